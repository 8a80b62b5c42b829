package io.tandem.agent.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tiny instance for tests: listens on {@code $PORT} and answers every request with
 * {@code echo <method> <path> fn=<function> pid=<pid>}. It also speaks the instance protocol's
 * {@code POST /_/specialize} (so tests can run a "java" environment whose command is this class): a function whose
 * name starts with {@code broken} answers 422 as a class that cannot load would. With the argument {@code fail}
 * it exits with code 3 at once.
 */
public final class EchoServer {
    private static final Pattern FUNCTION = Pattern.compile("\"function\"\\s*:\\s*\"([^\"]*)\"");
    private static volatile String function = System.getenv("TANDEM_FUNCTION");

    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("fail")) {
            System.out.println("echo server refusing to start");
            System.exit(3);
        }
        int port = Integer.parseInt(System.getenv("PORT"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        long pid = ProcessHandle.current().pid();
        server.createContext("/_/specialize", ex -> {
            Matcher m = FUNCTION.matcher(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String fn = m.find() ? m.group(1) : "";
            if (fn.startsWith("broken")) {
                send(ex, 422, "{\"error\":\"cannot load the function\",\"detail\":\"ClassNotFoundException: example.Nope\"}");
                return;
            }
            function = fn;
            System.out.println("specialized for " + fn);
            send(ex, 200, "{\"function\":\"" + fn + "\",\"loadMillis\":0}");
        });
        server.createContext("/", ex -> send(ex, 200, "echo " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " fn=" + function + " pid=" + pid));
        server.start();
        System.out.println("echo server on " + port + " pid " + pid);
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }
}
