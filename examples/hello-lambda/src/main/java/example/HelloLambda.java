package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/**
 * {@link Hello} as an unchanged AWS Lambda handler: the JSON body {@code {"name": "Ada"}} in, the JSON string
 * {@code "Hello, Ada!"} out. An empty body greets the world.
 */
public class HelloLambda implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> input, Context context) {
        Object name = input == null ? null : input.get("name");
        context.getLogger().log("greeting " + name + " in " + context.getFunctionName());
        return "Hello, " + (name == null || name.toString().isBlank() ? "world" : name) + "!";
    }
}
