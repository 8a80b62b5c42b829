package io.tandem.runtime.jvm;

import com.sun.net.httpserver.HttpExchange;
import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Headers;
import io.tandem.function.Request;
import io.tandem.function.Response;
import io.tandem.runtime.Replies;
import io.tandem.runtime.http.HeaderFields;
import io.tandem.runtime.http.ResponseFields;
import java.io.IOException;
import java.io.OutputStream;

/** Serves a Tandem {@link Handler}: the HTTP request in, its {@link Response} out, as they are. */
final class TandemInvoker extends JavaInvoker {
    private final Handler handler;

    TandemInvoker(Handler handler, ClassLoader functionLoader, String functionName, long timeoutMs) {
        super(functionLoader, functionName, timeoutMs);
        this.handler = handler;
    }

    @Override
    void serve(HttpExchange exchange, Invocation invocation) throws IOException {
        Request request = Request.builder()
                .method(exchange.getRequestMethod())
                .path(exchange.getRequestURI().getPath())
                .query(exchange.getRequestURI().getRawQuery())
                .headers(Headers.ofPairs(HeaderFields.of(exchange).pairs()))
                .body(exchange.getRequestBody().readAllBytes())
                .build();
        Context context = Context.of(invocation.functionName(), invocation.requestId(), invocation.deadline());
        Response response = FunctionFailure.call(() -> handler.handle(request, context));
        if (response == null) {
            Replies.error(exchange, 500, "function failed", "the handler returned no response (null)");
            return;
        }
        response.headers().forEach((name, value) -> ResponseFields.add(exchange, name, value));
        boolean bodiless = response.bodyLength() == 0 || response.status() == 204 || response.status() == 304
                || "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(response.status(), bodiless ? -1 : response.bodyLength());
        if (!bodiless) {
            try (OutputStream out = exchange.getResponseBody()) {
                response.writeBodyTo(out);
            }
        }
    }
}
