package example.guestbook;

import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;
import java.nio.charset.StandardCharsets;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The guestbook's ADD: {@code POST} a message (the body, as text) and get {@code 201 {"messages": N}}. Idempotent:
 * the message is stored under the request's id ({@code X-Tandem-Request-Id}, which the router keeps when it re-sends
 * a request after a failover), so a re-sent add answers 200 and stores nothing twice.
 */
public class AddMessage implements Handler {
    static final int MAX_BYTES = 4096;
    static final String REQUEST_ID = "X-Tandem-Request-Id";

    private final Guestbook book;

    public AddMessage() {
        this(Guestbook.fromEnvironment());
    }

    AddMessage(Guestbook book) {
        this.book = book;
    }

    @Override
    public Response handle(Request request, Context context) {
        String text = request.bodyAsString().strip();
        if (text.isEmpty()) return Response.json(Json.error("empty message", "send the message as the request body")).withStatus(400);
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Response.json(Json.error("message too long", "at most " + MAX_BYTES + " bytes")).withStatus(413);
        }
        String id = request.header(REQUEST_ID).orElse(null);
        if (id == null || id.isBlank()) {
            return Response.json(Json.error("no request id", "call through the Tandem router, which sets " + REQUEST_ID)).withStatus(400);
        }
        try {
            Guestbook.Added added = book.add(id, text);
            return Response.json("{\"messages\":" + added.messages() + "}").withStatus(added.stored() ? 201 : 200);
        } catch (JedisException e) {
            return Response.json(Json.error("guestbook store unavailable", e.getMessage())).withStatus(503);
        }
    }
}
