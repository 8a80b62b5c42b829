package io.tandem.async;

import io.tandem.model.AsyncCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a finished async call's result to its callback URL. Before each attempt the {@link CallbackGuard} resolves
 * the host afresh and checks every address; the request then connects to exactly the address the guard returned and
 * never resolves the name again, so a name that answers differently after the check (DNS rebinding) cannot aim it
 * anywhere the guard refuses. The request still speaks to the URL's host by name: it is the {@code Host} header and,
 * for https, the TLS server name (SNI) and the name the certificate must be valid for (not the address). Redirects
 * are not followed. A callback has {@link #TIMEOUT} to connect and answer.
 *
 * <p>Thread-safe. {@link #deliver} and {@link #post} block their caller, one of {@link AsyncCalls}' virtual threads,
 * until the answer came; the HTTP client's handlers run on Vert.x event loops, so neither may be called on one.
 */
final class Callbacks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final CallbackGuard guard;
    private final int attempts;
    private final HttpClientAgent client;

    /** Receivers' https certificates must chain to an authority in the JDK's trust store. */
    static Callbacks create(Vertx vertx, CallbackGuard guard, AsyncCalls.Settings settings) {
        return new Callbacks(vertx, guard, settings.callbackAttempts(), settings.concurrency(), null);
    }

    /**
     * {@code attempts}: how often a failing callback is tried; {@code connections}: at most this many open to one
     * receiver; {@code trust}: whom https receivers' certificates must be issued by, null for the JDK's trust store.
     */
    Callbacks(Vertx vertx, CallbackGuard guard, int attempts, int connections, TrustOptions trust) {
        this.guard = guard;
        this.attempts = attempts;
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout((int) TIMEOUT.toMillis()).setVerifyHost(true);
        if (trust != null) options.setTrustOptions(trust);
        // Connections are pooled by the address connected to as well as the host name, so one kept alive is reused
        // only for the same checked address.
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connections));
    }

    /**
     * POSTs the result up to {@code attempts} times (waiting 1 s, then 2 s, ...) while it fails; returns the record
     * with how that went. A URL the guard now refuses is recorded as refused and not tried again.
     */
    CallRecord deliver(AsyncCall call, CallRecord record, byte[] body) throws InterruptedException {
        CallRecord.Callback cb = record.callback();
        int before = cb.attempts();
        Map<String, String> headers = headers(call, record);
        for (int n = 1; n <= attempts; n++) {
            Integer answered = null;
            String why;
            try {
                answered = post(cb.url(), headers, body);
                why = answered / 100 == 2 ? null : "the callback answered " + answered;
            } catch (CallbackGuard.Refused e) {
                cb = cb.attempted(before + n, null, e.getMessage());
                break;
            } catch (IOException e) {
                why = "the callback did not answer: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            cb = cb.attempted(before + n, answered, why);
            if (cb.state().equals("delivered")) break;
            if (n < attempts) Thread.sleep(1000L << Math.min(5, n - 1));
        }
        if (!cb.state().equals("delivered")) {
            cb = cb.failed();
            log.info("async call {}: callback to {} failed: {}", call.id(), cb.url(), cb.error());
        }
        return record.withCallback(cb);
    }

    /**
     * One POST of {@code body} to {@code url}, at the address the guard checks now; returns the status answered.
     * Throws {@link CallbackGuard.Refused} when the guard refuses the URL (nothing is sent), {@link IOException}
     * when no answer came within {@link #TIMEOUT}.
     */
    int post(String url, Map<String, String> headers, byte[] body) throws CallbackGuard.Refused, IOException, InterruptedException {
        InetSocketAddress checked = guard.check(url);
        URI uri = URI.create(url.trim()); // the guard parsed it already
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(checked)) // connect here; the host below is only named
                .setHost(withoutBrackets(uri.getHost())).setPort(checked.getPort()).setSsl(https)
                .setURI(pathAndQuery(uri)).setFollowRedirects(false)
                .setConnectTimeout(TIMEOUT.toMillis()).setIdleTimeout(TIMEOUT.toMillis());
        headers.forEach(options::putHeader);
        options.putHeader("Host", hostHeader(uri));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Future<HttpClientRequest> connecting = client.request(options);
        HttpClientRequest request = await(connecting, deadline, () -> connecting.onSuccess(HttpClientRequest::reset));
        Future<Integer> answer = request.send(Buffer.buffer(body == null ? new byte[0] : body))
                .compose(response -> response.end().map(done -> response.statusCode()));
        return await(answer, deadline, request::reset);
    }

    /** The headers every attempt carries: what the function answered, and about the call. */
    static Map<String, String> headers(AsyncCall call, CallRecord record) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", record.contentType() == null ? "application/octet-stream" : record.contentType());
        h.put("X-Call-Id", call.id());
        h.put("X-Function-Name", call.function());
        h.put("X-Function-Status", record.status() == null ? "none" : Integer.toString(record.status()));
        h.put("X-Duration-Seconds", String.format(Locale.ROOT, "%.3f", (record.durationMillis() == null ? 0 : record.durationMillis()) / 1000.0));
        h.put("X-Attempts", Integer.toString(record.attempts()));
        h.put("X-Tandem-State", record.state());
        if (record.error() != null) h.put("X-Function-Error", record.error().replaceAll("[\\r\\n]", " "));
        return h;
    }

    /** The URL's host, with its port when that is not the scheme's default: {@code hooks.example.com:8443}. */
    static String hostHeader(URI uri) {
        int defaultPort = uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        return uri.getPort() == -1 || uri.getPort() == defaultPort ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static String pathAndQuery(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /** An IPv6 literal as TLS names it, {@code ::1} rather than the URL's {@code [::1]}. */
    private static String withoutBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Waits for {@code step} until {@code deadline}; when giving up (or interrupted), {@code abandon} frees what it holds. */
    private static <T> T await(Future<T> step, long deadline, Runnable abandon) throws IOException, InterruptedException {
        try {
            return step.toCompletionStage().toCompletableFuture().get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon.run();
            throw new IOException("no answer within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            abandon.run();
            throw e;
        } catch (ExecutionException e) {
            throw new IOException(describe(e.getCause()), e.getCause());
        }
    }

    /** What went wrong, down to its root: "Failed to create SSL connection" alone does not say the name did not match. */
    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (text.indexOf(message) < 0) text.append(text.isEmpty() ? "" : ": ").append(message);
        }
        return text.toString();
    }

    /** Closes the client's connections; a callback still being sent fails. */
    @Override
    public void close() {
        client.close();
    }
}
