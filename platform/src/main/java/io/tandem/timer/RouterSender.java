package io.tandem.timer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends each firing to the router's data plane as {@code METHOD /function/<function><path>}, so the function's
 * strategy (retry, active-standby, replicate) applies to it as to any request. The function's own timeout is the
 * router's to enforce; {@link #LAST_RESORT_TIMEOUT} only frees a timer whose router never answers. Thread-safe.
 */
public final class RouterSender implements FiringSender {
    public static final String TIMER_HEADER = "X-Tandem-Timer";
    public static final String FIRING_HEADER = "X-Tandem-Firing";
    static final Duration LAST_RESORT_TIMEOUT = Duration.ofMinutes(15);

    private final URI router;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code router}: the router's base URL, such as {@code http://127.0.0.1:8080}. */
    public RouterSender(URI router) {
        this.router = router;
    }

    @Override
    public CompletableFuture<Integer> send(Firing f) {
        HttpRequest.BodyPublisher body = f.spec().body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(f.spec().body());
        HttpRequest request = HttpRequest.newBuilder(router.resolve("/function/" + f.spec().function() + f.spec().path()))
                .method(f.spec().method(), body)
                .header(TIMER_HEADER, f.trigger())
                .header(FIRING_HEADER, f.id())
                .timeout(LAST_RESORT_TIMEOUT)
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }
}
