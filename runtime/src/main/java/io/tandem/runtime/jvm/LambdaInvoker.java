package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectReader;
import com.sun.net.httpserver.HttpExchange;
import io.tandem.runtime.Json;
import io.tandem.runtime.Replies;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Serves an AWS Lambda {@code RequestHandler<I,O>} (or a method of that shape): the body read as JSON into
 * {@code I}, the result written as JSON, as Lambda does. A {@code String} input gets the raw body as text, a
 * {@code byte[]} input the raw bytes; an empty body is {@code null}.
 */
final class LambdaInvoker extends JavaInvoker {
    /** The handler call, as a lambda over the interface or a reflective method. */
    @FunctionalInterface
    interface Call {
        Object apply(Object input, Context context) throws Exception;
    }

    private final JavaType inputType;
    private final ObjectReader reader;
    private final Call call;

    LambdaInvoker(Type input, Type output, Call call, ClassLoader functionLoader, String functionName, long timeoutMs) {
        super(functionLoader, functionName, timeoutMs);
        this.inputType = Json.MAPPER.constructType(input);
        this.call = call;
        // Both look-ups build and cache Jackson's (de)serializers now, so the first call does not pay for them.
        this.reader = Json.MAPPER.readerFor(inputType);
        JavaType outputType = Json.MAPPER.constructType(output);
        if (!outputType.isJavaLangObject() && !outputType.hasRawClass(Void.class) && !outputType.hasRawClass(void.class)) {
            Json.MAPPER.writerFor(outputType);
        }
    }

    @Override
    void serve(HttpExchange exchange, Invocation invocation) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Object input;
        try {
            input = read(body);
        } catch (IOException e) {
            Replies.error(exchange, 400, "bad request body", "cannot read the body as " + inputType.toCanonical() + ": " + originalMessage(e));
            return;
        }
        var context = new LambdaContext(invocation);
        Object result = FunctionFailure.call(() -> call.apply(input, context));
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            Replies.error(exchange, 500, "function failed", "cannot write the result as JSON: " + e.getOriginalMessage());
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        Replies.send(exchange, 200, json);
    }

    private Object read(byte[] body) throws IOException {
        if (inputType.hasRawClass(String.class)) return new String(body, StandardCharsets.UTF_8);
        if (inputType.hasRawClass(byte[].class)) return body;
        if (body.length == 0 || inputType.hasRawClass(Void.class)) return null;
        return reader.readValue(body);
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
    }
}
