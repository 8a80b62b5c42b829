import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * An http-runtime function: its own long-running HTTP server, started as {@code java Server.java} with {@code PORT}
 * set. Answers every path with a small JSON greeting. No dependencies.
 */
public class Server {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath().replace("\\", "\\\\").replace("\"", "\\\"");
            byte[] body = ("{\"greeting\":\"Hello from a plain Java server\",\"method\":\"" + exchange.getRequestMethod()
                    + "\",\"path\":\"" + path + "\"}\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.err.println("listening on 127.0.0.1:" + port);
    }
}
