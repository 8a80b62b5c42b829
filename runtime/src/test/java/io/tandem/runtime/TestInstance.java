package io.tandem.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * An instance on a free port, and the HTTP calls tests make to it: started in-process ({@link #start}), or any
 * other server that speaks the instance protocol, such as the native exec host ({@link #of}).
 */
public final class TestInstance implements AutoCloseable {
    /** The secret every test instance is started with. */
    public static final String SECRET = "test-instance-secret";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;
    private final IntSupplier controlPort;
    private final Runnable close;

    private TestInstance(int port, IntSupplier controlPort, Runnable close) {
        this.port = port;
        this.controlPort = controlPort;
        this.close = close;
    }

    /** An instance some other code started on {@code port}; {@code close} stops it. */
    public static TestInstance of(int port, IntSupplier controlPort, Runnable close) {
        return new TestInstance(port, controlPort, close);
    }

    /** Starts {@code runtime} with {@code PORT=0} plus {@code env}. */
    public static TestInstance start(String runtime, Map<String, String> env) {
        var all = new HashMap<>(env);
        all.put("PORT", "0");
        try {
            InstanceServer server = Main.run(runtime, all, Secret.of(SECRET));
            return new TestInstance(server.port(), server::controlPort, server::close);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestInstance generic(String runtime) {
        return start(runtime, Map.of());
    }

    public HttpResponse<String> get(String pathAndQuery) {
        return send(request(pathAndQuery).GET().build());
    }

    public HttpResponse<String> post(String pathAndQuery, String body, String... headers) {
        var builder = request(pathAndQuery).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) builder.headers(headers);
        return send(builder.build());
    }

    public HttpResponse<String> specialize(String json) {
        return post("/_/specialize", json, "Content-Type", "application/json", Secret.HEADER, SECRET);
    }

    /** A GET that carries the instance's secret, as the executor's lease grants do. */
    public HttpResponse<String> getAsPlatform(String pathAndQuery) {
        return send(request(pathAndQuery).header(Secret.HEADER, SECRET).GET().build());
    }

    public int controlPort() {
        return controlPort.getAsInt();
    }

    public int port() {
        return port;
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        close.run();
    }
}
