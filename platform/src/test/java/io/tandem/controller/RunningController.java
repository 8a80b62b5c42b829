package io.tandem.controller;

import io.tandem.home.TandemHome;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a controller on a free loopback port for each test, with its own Vert.x and a fresh TANDEM_HOME, and calls
 * its API with the home's token. Register it with {@code @RegisterExtension}; its accessors are valid inside a test.
 */
final class RunningController implements BeforeEachCallback, AfterEachCallback {
    private final ClusterView view;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path dir;
    private Vertx vertx;
    private Controller controller;
    private String token;

    /** A controller with no executor behind it. */
    RunningController() {
        this(null);
    }

    /** A controller that shows {@code view} as the executor's. */
    RunningController(ClusterView view) {
        this.view = view;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("tandem-controller-test");
        vertx = Vertx.vertx();
        start(new TandemHome(dir.resolve("home")), view);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            if (controller != null) controller.stop().await();
            vertx.close().await();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Stops the running controller and starts another on {@code home}, showing {@code clusterView}. */
    void restart(TandemHome home, ClusterView clusterView) {
        controller.stop().await();
        start(home, clusterView);
    }

    private void start(TandemHome home, ClusterView clusterView) {
        controller = new Controller(home, vertx, "127.0.0.1", 0, clusterView);
        controller.start().await();
        token = home.readToken();
    }

    Vertx vertx() {
        return vertx;
    }

    Controller controller() {
        return controller;
    }

    String token() {
        return token;
    }

    HttpClient http() {
        return http;
    }

    /** A request to {@code path} on the controller, without its token. */
    HttpRequest.Builder anonymous(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.port() + path));
    }

    /** A request to {@code path} on the controller, with its token. */
    HttpRequest.Builder request(String path) {
        return anonymous(path).header("Authorization", "Bearer " + token);
    }

    /** Sends a request with the token and a text body (none when null), and reads the answer as text. */
    HttpResponse<String> send(String method, String path, String body) {
        return send(request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
