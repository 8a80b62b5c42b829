package example;

import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;

/**
 * The active-standby paper's CPU-bound function: fib(n) computed naively, so the cost grows about 1.6x per step.
 * {@code n} comes from the query (default 25, at most 40, where one call takes about a second); anything else is a 400.
 */
public class Fibonacci implements Handler {
    static final int DEFAULT_N = 25;
    static final int MAX_N = 40;

    @Override
    public Response handle(Request request, Context context) {
        String text = request.queryParameter("n").orElse(Integer.toString(DEFAULT_N));
        int n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return badRequest("n must be a whole number from 0 to " + MAX_N + ", was '" + text + "'");
        }
        if (n < 0 || n > MAX_N) return badRequest("n must be from 0 to " + MAX_N + ", was " + n);
        return Response.json("{\"n\":" + n + ",\"fib\":" + fib(n) + "}");
    }

    static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    private static Response badRequest(String detail) {
        return Response.json("{\"error\":\"bad n\",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}").withStatus(400);
    }
}
