package io.tandem.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls functions on the router's data plane as {@code METHOD /function/<function><path>}, the path HTTP triggers
 * take, so each function's strategy (retry, active-standby, replicate) applies to a message as to any request.
 * Thread-safe.
 */
public final class RouterCaller implements FunctionCaller {
    private final URI router;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code router}: the router's base URL, such as {@code http://127.0.0.1:8080}. */
    public RouterCaller(URI router) {
        this.router = router;
    }

    @Override
    public Answer call(Call call, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(router.resolve("/function/" + call.function() + call.path()))
                .method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()))
                .timeout(timeout);
        call.headers().forEach(request::header);
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Content-Type").orElse(null));
    }
}
