package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tandem.model.CodeRef;
import io.tandem.model.Runtime;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's code cache serves what it fetched once, also when the controller it came from is gone. */
class CodeCacheTest {
    @TempDir
    Path root;

    @Test
    void servesCachedCodeWithTheControllerDownAndSaysWhyUncachedCodeCannotBeFetched() throws Exception {
        byte[] script = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);
        CodeRef code = new CodeRef(sha256(script), "hi.sh", script.length, CodeRef.PackageKind.FILE);
        HttpServer controller = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        controller.createContext("/v1/packages/" + code.sha256(), exchange -> {
            exchange.sendResponseHeaders(200, script.length);
            exchange.getResponseBody().write(script);
            exchange.close();
        });
        controller.start();
        String url = "http://127.0.0.1:" + controller.getAddress().getPort();
        Path fetched = new CodeCache(root, "token", Executors.newVirtualThreadPerTaskExecutor())
                .codePath(code, Runtime.EXEC, url).get(10, TimeUnit.SECONDS);
        controller.stop(0);

        // A new cache on the same directory, as after an agent restart: nothing to fetch.
        CodeCache afterwards = new CodeCache(root, "token", Executors.newVirtualThreadPerTaskExecutor());
        Path cached = afterwards.codePath(code, Runtime.EXEC, url).get(10, TimeUnit.SECONDS);
        assertThat(cached).isEqualTo(fetched);
        assertThat(Files.readAllBytes(cached)).isEqualTo(script);

        byte[] other = "#!/bin/sh\necho other\n".getBytes(StandardCharsets.UTF_8);
        CodeRef missing = new CodeRef(sha256(other), "other.sh", other.length, CodeRef.PackageKind.FILE);
        try {
            afterwards.codePath(missing, Runtime.EXEC, url).get(10, TimeUnit.SECONDS);
            throw new AssertionError("an uncached package was served with the controller down");
        } catch (ExecutionException e) {
            assertThat(e.getCause().getMessage()).contains("is not in this node's cache and the controller at " + url + " is unreachable");
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
