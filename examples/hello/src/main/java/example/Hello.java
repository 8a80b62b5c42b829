package example;

import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;

/** Answers {@code Hello, <name>!} with the {@code name} query parameter, or {@code world}, and logs whom it greeted. */
public class Hello implements Handler {
    @Override
    public Response handle(Request request, Context context) {
        String name = request.queryParameter("name").filter(n -> !n.isBlank()).orElse("world");
        System.out.println("greeting " + name); // stdout goes to the function's log: tandem fn logs --name hello
        return Response.ok("Hello, " + name + "!");
    }
}
