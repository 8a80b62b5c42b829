package io.tandem.runtime.jvm.warmup;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.tandem.function.Context;
import io.tandem.function.Request;
import io.tandem.function.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * The runtime's own handler, loaded and bound at start-up so the first real specialization runs warm code. Alone in
 * its package: the warm-up loads it as a function, and a function's load reads every class of its handler's package.
 */
public final class WarmUpHandler implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> input, com.amazonaws.services.lambda.runtime.Context context) {
        return "warm";
    }

    public Response greet(Request request, Context context) {
        return Response.ok("Hello, " + request.queryParameter("name").orElse("?") + "!").withHeader("X-Warm", "up");
    }

    public void echo(InputStream in, OutputStream out) throws IOException {
        in.transferTo(out);
    }
}
