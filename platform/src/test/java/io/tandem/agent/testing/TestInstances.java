package io.tandem.agent.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Commands and bytes for tests that run real instance processes. */
public final class TestInstances {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TestInstances() {
    }

    public static String classpath() {
        return System.getProperty("java.class.path");
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    /** A command template that starts {@link EchoServer} from the test classpath. */
    public static String echoCommand(String... args) {
        return "'{java}' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + classpath() + "' " + EchoServer.class.getName()
                + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    /** A shell script that starts the echo server: a single-file package. */
    public static byte[] echoScript() {
        return ("#!/bin/sh\nexec '" + java() + "' -cp '" + classpath() + "' " + EchoServer.class.getName() + "\n").getBytes();
    }

    public static byte[] zip(String entry, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(entry));
            z.write(content);
            z.closeEntry();
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GET http://127.0.0.1:port/path; the body, or the exception's text when nothing answers. */
    public static String get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "unreachable: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
