package io.tandem.agent;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The classpath of Tandem's own runtimes: the jars in the platform's {@code lib} directory whose names start with
 * one of {@link #PREFIXES}. That directory sits beside {@code tandem.jar}, or beside {@code target/classes} when
 * running from a build tree; when the platform jar is itself a dependency in some other lib directory (as the
 * benchmarks run it), the runtime jars are its neighbours.
 */
final class RuntimeClasspath {
    static final List<String> PREFIXES = List.of("tandem-runtime", "tandem-function-api", "aws-lambda-java-core", "aws-lambda-java-serialization",
            "jackson-core", "jackson-databind", "jackson-annotations");

    private RuntimeClasspath() {
    }

    static Path libDir() {
        try {
            Path source = Path.of(Agent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // tandem.jar -> its dir/lib; target/classes -> target/lib; lib/tandem-x.jar -> lib
            Path beside = source.getParent().resolve("lib");
            return hasRuntime(beside) || !hasRuntime(source.getParent()) ? beside : source.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the platform's code source", e);
        }
    }

    private static boolean hasRuntime(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("tandem-runtime"));
        } catch (IOException e) {
            return false;
        }
    }

    static String of(Path libDir) {
        try (Stream<Path> jars = Files.list(libDir)) {
            List<String> found = jars.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> PREFIXES.stream().anyMatch(pre -> p.getFileName().toString().startsWith(pre)))
                    .map(Path::toString).sorted().toList();
            if (found.isEmpty()) throw new IllegalStateException("no runtime jars in " + libDir);
            return String.join(File.pathSeparator, found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the runtime jars in " + libDir, e);
        }
    }
}
