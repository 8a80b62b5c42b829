package io.tandem.runtime.jvm;

import io.tandem.runtime.LoadException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Where a function's classes come from: a jar, or a directory (an unpacked zip) whose classpath is the directory
 * itself, then every {@code *.jar} in it, then every {@code *.jar} in its {@code lib/}, each group in name order.
 * Every jar is opened once here, so a corrupt one is reported at load time and not as a missing class later.
 */
record FunctionClasspath(Path code, Path directory, List<Path> jars) {

    static FunctionClasspath of(Path code) throws LoadException {
        if (!Files.exists(code)) throw new LoadException("code not found: " + code);
        if (Files.isDirectory(code)) {
            List<Path> jars = new ArrayList<>(jarsIn(code));
            jars.addAll(jarsIn(code.resolve("lib")));
            for (Path jar : jars) verify(jar);
            return new FunctionClasspath(code, code, List.copyOf(jars));
        }
        verify(code);
        return new FunctionClasspath(code, null, List.of(code));
    }

    URL[] urls() throws LoadException {
        List<URL> urls = new ArrayList<>();
        try {
            if (directory != null) urls.add(directory.toUri().toURL());
            for (Path jar : jars) urls.add(jar.toUri().toURL());
        } catch (MalformedURLException e) {
            throw new LoadException("cannot use " + code + " as a classpath: " + e.getMessage());
        }
        return urls.toArray(URL[]::new);
    }

    /** Names of the classes directly in {@code packageName}, at most {@code limit}: loaded up front at specialization. */
    List<String> classesIn(String packageName, int limit) {
        String prefix = packageName.isEmpty() ? "" : packageName.replace('.', '/') + "/";
        List<String> names = new ArrayList<>();
        if (directory != null) {
            try (Stream<Path> files = Files.list(directory.resolve(prefix))) {
                files.map(f -> prefix + f.getFileName()).filter(FunctionClasspath::isClassFile).limit(limit)
                        .forEach(n -> names.add(className(n)));
            } catch (IOException | RuntimeException ignored) {
                // No such package directory: the classes are in the jars.
            }
        }
        for (Path jar : jars) {
            if (names.size() >= limit) break;
            try (var file = new JarFile(jar.toFile(), false)) {
                file.stream().map(JarEntry::getName)
                        .filter(n -> n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0 && isClassFile(n))
                        .limit(limit - names.size()).forEach(n -> names.add(className(n)));
            } catch (IOException ignored) {
                // Verified readable in of(); a jar replaced since then just loses its head start.
            }
        }
        return names;
    }

    private static boolean isClassFile(String name) {
        return name.endsWith(".class") && !name.endsWith("module-info.class") && !name.endsWith("package-info.class");
    }

    private static String className(String entry) {
        return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
    }

    private static List<Path> jarsIn(Path dir) throws LoadException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            throw new LoadException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static void verify(Path jar) throws LoadException {
        if (!Files.isRegularFile(jar)) throw new LoadException("code " + jar + " is neither a jar nor a directory");
        try (var file = new JarFile(jar.toFile(), false)) {
            file.size();
        } catch (IOException e) {
            throw new LoadException("corrupt jar " + jar + ": " + e.getMessage());
        }
    }
}
