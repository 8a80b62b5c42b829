package io.tandem.runtime.lambda;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.LoadException;
import io.tandem.runtime.Replies;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Serves a call by handing its body, as the event, to the function's process through the {@link RuntimeApi}, and
 * answering with what the process posts back: its response as a 200; its error as a 500 carrying Lambda's error
 * document ({@code errorMessage}, {@code errorType}, {@code stackTrace}) and {@code X-Amz-Function-Error}.
 *
 * <p>The process takes one event at a time, as Lambda's runtimes do; concurrent calls wait their turn, within their
 * timeout. A call past its timeout answers 504, and if the process had taken it, the process is stopped (it would
 * otherwise keep running the handler) and the next call starts a fresh one.
 */
final class LambdaInvoker implements Invoker {
    private final RuntimeApi api;
    private final FunctionProcess process;
    private final String functionArn;
    private final long timeoutMillis;

    LambdaInvoker(RuntimeApi api, FunctionProcess process, String functionArn, long timeoutMillis) {
        this.api = api;
        this.process = process;
        this.functionArn = functionArn;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void invoke(HttpExchange exchange) throws IOException {
        byte[] event = exchange.getRequestBody().readAllBytes();
        var call = new Invocation(Replies.requestId(exchange), event, System.currentTimeMillis() + timeoutMillis, functionArn, traceId());
        try {
            process.ensureRunning();
        } catch (LoadException e) {
            Replies.error(exchange, 502, "function failed to start", e.getMessage());
            return;
        }
        api.submit(call);
        answer(exchange, await(call));
    }

    private Invocation.Outcome await(Invocation call) throws IOException {
        try {
            return call.outcome().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            boolean taken = api.withdraw(call);
            var timedOut = new Invocation.RuntimeFailure(504, "function timed out", "no answer within " + timeoutMillis + " ms"
                    + (taken ? ": its process is stopped, the next call starts a fresh one" : ", waiting behind earlier calls"));
            if (call.complete(timedOut) && taken) process.kill();
            return call.outcome().join();
        } catch (ExecutionException e) {
            throw new IllegalStateException("outcomes are only ever completed with a value", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            api.withdraw(call);
            throw new IOException("interrupted while the function ran");
        }
    }

    private static void answer(HttpExchange exchange, Invocation.Outcome outcome) throws IOException {
        switch (outcome) {
            case Invocation.Answered answered -> {
                exchange.getResponseHeaders().set("Content-Type", answered.contentType());
                Replies.send(exchange, 200, answered.body());
            }
            case Invocation.FunctionError error -> {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("X-Amz-Function-Error", "Unhandled");
                exchange.getResponseHeaders().set("X-Tandem-Error-Type", error.errorType());
                Replies.send(exchange, 500, error.body());
            }
            case Invocation.RuntimeFailure failure -> Replies.error(exchange, failure.status(), failure.error(), failure.detail());
        }
    }

    /** An X-Ray-shaped trace id: Lambda's runtime clients pass it on, some expect its shape. */
    private static String traceId() {
        var random = ThreadLocalRandom.current();
        return String.format("Root=1-%08x-%012x%012x;Sampled=0", System.currentTimeMillis() / 1000,
                random.nextLong() & 0xffffffffffffL, random.nextLong() & 0xffffffffffffL);
    }

    @Override
    public void close() {
        process.close();
        api.close();
    }
}
