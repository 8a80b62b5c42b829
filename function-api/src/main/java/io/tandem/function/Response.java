package io.tandem.function;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The answer of a function, immutable: a status, headers and a body. Start from a factory and refine with the
 * {@code with} methods, each of which returns a new response:
 * {@code Response.json("{\"id\":1}").withStatus(201).withHeader("Location", "/items/1")}.
 */
public final class Response {
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    private static final byte[] EMPTY = new byte[0];

    private final int status;
    private final Headers headers;
    private final byte[] body;

    private Response(int status, Headers headers, byte[] body) {
        if (status < 100 || status > 599) throw new IllegalArgumentException("HTTP status must be 100 to 599, was " + status);
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** A response with {@code status}, no headers and no body. */
    public static Response status(int status) {
        return new Response(status, Headers.empty(), EMPTY);
    }

    /** 200 with {@code text} as {@code text/plain; charset=utf-8}. */
    public static Response ok(String text) {
        return status(200).withHeader("Content-Type", TEXT).withBody(text);
    }

    /** 200 with raw bytes as {@code application/octet-stream}. */
    public static Response ok(byte[] body) {
        return status(200).withHeader("Content-Type", "application/octet-stream").withBody(body);
    }

    /** 200 with {@code json}, which the caller has already serialized, as {@code application/json}. */
    public static Response json(String json) {
        return status(200).withHeader("Content-Type", JSON).withBody(json);
    }

    public Response withStatus(int status) {
        return new Response(status, headers, body);
    }

    /** Adds a value to header {@code name}, keeping those already there. */
    public Response withHeader(String name, String value) {
        return new Response(status, headers.plus(name, value), body);
    }

    /** Replaces the body with {@code text} in UTF-8. */
    public Response withBody(String text) {
        return new Response(status, headers, text == null ? EMPTY : text.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces the body; the response keeps {@code body}, so the caller must not change it afterwards. */
    public Response withBody(byte[] body) {
        return new Response(status, headers, body == null ? EMPTY : body);
    }

    public int status() {
        return status;
    }

    public Headers headers() {
        return headers;
    }

    /** A copy of the body; empty, never null. */
    public byte[] body() {
        return body.clone();
    }

    /** The body length in bytes, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    /** The body decoded as UTF-8. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Writes the body to {@code out} without copying it. */
    public void writeBodyTo(OutputStream out) throws IOException {
        out.write(body);
    }

    @Override
    public String toString() {
        return "Response " + status + " " + headers + " (" + body.length + " bytes)";
    }
}
