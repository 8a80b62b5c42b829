package io.tandem.runtime.lambda;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Json;
import io.tandem.runtime.Replies;
import io.tandem.runtime.http.BlockingServer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The AWS Lambda Runtime API ({@code /2018-06-01/runtime/...}) on a loopback port of the instance, for the one
 * function process it runs: the process long-polls {@code invocation/next} for an event, then posts its
 * {@code response} or {@code error}; {@code init/error} reports a handler that cannot start.
 *
 * <p>Threads: each connection of the process is served on its own thread ({@link BlockingServer}); a {@code next}
 * waits on the queue that {@link #submit} feeds from the instance's request threads. Calls in flight are in a
 * concurrent map from request id; an outcome is set once, by whichever comes first of the process's answer, a
 * timeout or the process's end.
 */
final class RuntimeApi implements AutoCloseable {
    static final String PREFIX = "/2018-06-01/runtime/";

    private final BlockingDeque<Invocation> queue = new LinkedBlockingDeque<>();
    private final Map<String, Invocation> inFlight = new ConcurrentHashMap<>();
    private final BlockingServer server;
    private volatile CompletableFuture<String> ready = new CompletableFuture<>();
    /**
     * Which start of the function's process this is. A {@code next} that a process left waiting when it died takes
     * the generation it was asked in; it hands any call it then dequeues back, so no call goes to a dead process.
     */
    private volatile int generation;

    RuntimeApi() throws IOException {
        this.server = BlockingServer.start(0, this::handle, "tandem-runtime-api-");
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
    String address() {
        return "127.0.0.1:" + server.port();
    }

    /**
     * A fresh start of the function's process: completes with null at its first {@code next} (its handler is
     * loaded), or with the error document it posts to {@code init/error}.
     */
    CompletableFuture<String> awaitReady() {
        generation++;
        ready = new CompletableFuture<>();
        return ready;
    }

    void submit(Invocation invocation) {
        queue.add(invocation);
    }

    /**
     * Drops a call that will not be answered (its caller gave up), so the process never receives it later; true if
     * the process had already taken it.
     */
    boolean withdraw(Invocation invocation) {
        queue.remove(invocation);
        return inFlight.remove(invocation.requestId(), invocation);
    }

    /** Fails every call the process took and did not answer: it exited. Queued calls wait for the next process. */
    void failInFlight(Invocation.RuntimeFailure failure) {
        inFlight.values().forEach(call -> call.complete(failure));
        inFlight.clear();
    }

    /** Fails the queued calls too: no process will serve them. */
    void failAll(Invocation.RuntimeFailure failure) {
        failInFlight(failure);
        for (Invocation call; (call = queue.poll()) != null; ) call.complete(failure);
    }

    boolean hasQueued() {
        return !queue.isEmpty();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (!path.startsWith(PREFIX)) {
            notFound(exchange);
            return;
        }
        String[] parts = path.substring(PREFIX.length()).split("/");
        if (parts.length == 2 && parts[0].equals("invocation") && parts[1].equals("next") && method.equals("GET")) {
            next(exchange);
        } else if (parts.length == 3 && parts[0].equals("invocation") && method.equals("POST") && (parts[2].equals("response") || parts[2].equals("error"))) {
            answer(exchange, parts[1], parts[2].equals("error"));
        } else if (parts.length == 2 && parts[0].equals("init") && parts[1].equals("error") && method.equals("POST")) {
            ready.complete(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            accepted(exchange);
        } else {
            notFound(exchange);
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        int askedIn = generation;
        ready.complete(null);
        Invocation call;
        try {
            do {
                call = queue.poll(1, TimeUnit.HOURS);
            } while (call == null || call.outcome().isDone());
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
            throw new IOException("the runtime API is closing");
        }
        if (askedIn != generation) {
            queue.addFirst(call);
            throw new IOException("a next left over from a process that ended");
        }
        inFlight.put(call.requestId(), call);
        try {
            send(exchange, call);
        } catch (IOException | RuntimeException e) {
            if (inFlight.remove(call.requestId(), call)) queue.addFirst(call); // it never reached the process
            throw e;
        }
    }

    private static void send(HttpExchange exchange, Invocation call) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Lambda-Runtime-Aws-Request-Id", call.requestId());
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(call.deadlineEpochMillis()));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", call.functionArn());
        headers.set("Lambda-Runtime-Trace-Id", call.traceId());
        headers.set("Content-Type", "application/json");
        Replies.send(exchange, 200, call.event());
    }

    private void answer(HttpExchange exchange, String requestId, boolean failed) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Invocation call = inFlight.remove(requestId);
        if (call == null) {
            lambdaError(exchange, 400, "InvalidRequestID", "no invocation " + requestId + " is waiting for an answer (unknown, already answered or timed out)");
            return;
        }
        if (failed) {
            String type = exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type");
            call.complete(new Invocation.FunctionError(body, type == null ? "Unhandled" : type));
        } else {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            call.complete(new Invocation.Answered(body, type == null ? "application/json" : type));
        }
        accepted(exchange);
    }

    private static void accepted(HttpExchange exchange) throws IOException {
        Replies.json(exchange, 202, Map.of("status", "OK"));
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        lambdaError(exchange, 404, "NotFound", exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()
                + " is not part of the runtime API: GET " + PREFIX + "invocation/next, POST " + PREFIX + "invocation/{id}/response|error, POST " + PREFIX + "init/error");
    }

    private static void lambdaError(HttpExchange exchange, int status, String type, String message) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("errorMessage", message);
        body.put("errorType", type);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        Replies.send(exchange, status, Json.MAPPER.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.close();
        failAll(new Invocation.RuntimeFailure(503, "instance closing", "the instance stopped before the function answered"));
    }
}
