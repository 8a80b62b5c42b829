package example.guestbook;

import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;
import redis.clients.jedis.exceptions.JedisException;

/** The guestbook's GET: the messages as a JSON array, oldest first; {@code ?last=N} keeps the newest N. */
public class ListMessages implements Handler {
    private final Guestbook book;

    public ListMessages() {
        this(Guestbook.fromEnvironment());
    }

    ListMessages(Guestbook book) {
        this.book = book;
    }

    @Override
    public Response handle(Request request, Context context) {
        int last;
        try {
            last = Integer.parseInt(request.queryParameter("last").orElse("0").strip());
        } catch (NumberFormatException e) {
            last = -1;
        }
        if (last < 0) return Response.json(Json.error("bad last", "last must be a whole number of messages, 0 for all")).withStatus(400);
        try {
            return Response.json(Json.array(book.messages(last)));
        } catch (JedisException e) {
            return Response.json(Json.error("guestbook store unavailable", e.getMessage())).withStatus(503);
        }
    }
}
