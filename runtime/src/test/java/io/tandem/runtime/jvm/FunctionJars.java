package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.tandem.function.Handler;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/** Builds function jars in a test: compiles Java sources against the two handler APIs and packs the classes. */
final class FunctionJars {
    private FunctionJars() {
    }

    /**
     * Compiles {@code sources} (file name to text, such as {@code fn/Echo.java}) into {@code dir/classes}, against the
     * handler APIs and {@code libraries}.
     */
    static Path compile(Path dir, Map<String, String> sources, Path... libraries) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", apiClasspath(libraries), "--release", "21", "-proc:none", "-nowarn"));
        for (var source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new));
        assertThat(status).as("javac of the test functions").isZero();
        return classes;
    }

    /** Packs the classes under {@code classes}, then every entry of {@code extraJars}, into {@code jar}. */
    static Path jar(Path jar, Path classes, Path... extraJars) throws IOException {
        Files.createDirectories(jar.getParent());
        try (var out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
            for (Path extra : extraJars) copyEntries(extra, out);
        }
        return jar;
    }

    /** The jar (or directory) a class of the test classpath was loaded from. */
    static Path locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String apiClasspath(Path... libraries) {
        var classpath = new StringBuilder(locationOf(Handler.class) + File.pathSeparator + locationOf(RequestHandler.class));
        for (Path library : libraries) classpath.append(File.pathSeparator).append(library);
        return classpath.toString();
    }

    private static void copyEntries(Path source, OutputStream target) throws IOException {
        var out = (JarOutputStream) target;
        try (var jar = new JarFile(source.toFile())) {
            for (JarEntry entry : jar.stream().filter(e -> !e.isDirectory() && e.getName().endsWith(".class")).toList()) {
                out.putNextEntry(new JarEntry(entry.getName()));
                try (InputStream in = jar.getInputStream(entry)) {
                    in.transferTo(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                out.closeEntry();
            }
        }
    }
}
