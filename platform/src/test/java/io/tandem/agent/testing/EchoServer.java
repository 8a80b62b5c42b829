package io.tandem.agent.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A tiny user HTTP server for tests of the {@code http} runtime: listens on {@code $PORT} and answers every request
 * with {@code echo <method> <path> from <pid>}. With {@code FAIL_TO_START=1} it exits with code 3 at once.
 */
public final class EchoServer {
    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        if ("1".equals(System.getenv("FAIL_TO_START")) || (args.length > 0 && args[0].equals("fail"))) {
            System.out.println("echo server refusing to start");
            System.exit(3);
        }
        int port = Integer.parseInt(System.getenv("PORT"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        long pid = ProcessHandle.current().pid();
        server.createContext("/", ex -> {
            byte[] body = ("echo " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " from " + pid).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        System.out.println("echo server on " + port + " pid " + pid);
    }
}
