package example;

import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;

/** Answers {@code Hello, <name>!} with the {@code name} query parameter, or {@code world}. */
public class Hello implements Handler {
    @Override
    public Response handle(Request request, Context context) {
        String name = request.queryParameter("name").filter(n -> !n.isBlank()).orElse("world");
        return Response.ok("Hello, " + name + "!");
    }
}
