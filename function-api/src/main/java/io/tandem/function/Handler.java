package io.tandem.function;

/**
 * A Tandem function: turns one HTTP request into one response.
 *
 * <p>Thread-safe: one instance serves every invocation of its function process, concurrently. The runtime creates it
 * once, with its public no-arg constructor, so expensive set-up belongs in the constructor or a static field.
 *
 * <pre>{@code
 * public class Hello implements Handler {
 *     public Response handle(Request request, Context context) {
 *         return Response.ok("Hello, " + request.queryParameter("name").orElse("world") + "!");
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Handler {

    /**
     * Handles one invocation. An exception becomes a 500 answer and its stack trace goes to the function's log.
     */
    Response handle(Request request, Context context) throws Exception;
}
