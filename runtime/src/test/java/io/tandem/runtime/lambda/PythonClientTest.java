package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tandem's Python runtime interface client ({@code python-lambda}) in a {@code lambda} instance: Lambda handlers
 * written as for AWS's Python runtime, answered, failing, logging and timing out as they would there.
 */
class PythonClientTest extends ClientContract {
    private static final String APP = """
            import json, logging, os, time
            import helpers.text as text
            import vendored

            logger = logging.getLogger()
            logger.setLevel(logging.INFO)

            def handler(event, context):
                action = event.get("action")
                if action == "fail":
                    raise ValueError("no such order: " + str(event.get("order")))
                if action == "sleep":
                    time.sleep(600)
                if action == "exit":
                    os._exit(3)
                if action == "echo":
                    return {"size": len(event["data"]), "data": event["data"]}
                if action == "log":
                    print("printed for", context.aws_request_id)
                    logger.info("logged %s", event.get("what"))
                    return "ok"
                if action == "unserializable":
                    return {1, 2}
                return {
                    "greeting": text.shout("hello " + event.get("name", "world")),
                    "vendored": vendored.VERSION,
                    "requestId": context.aws_request_id,
                    "functionName": context.function_name,
                    "memory": context.memory_limit_in_mb,
                    "arn": context.invoked_function_arn,
                    "logGroup": context.log_group_name,
                    "logStream": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                    "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                    "handlerVariable": os.environ.get("_HANDLER"),
                    "taskRoot": os.environ.get("LAMBDA_TASK_ROOT"),
                }
            """;

    @Override
    ClientFunction deployed() {
        return app();
    }

    @Override
    String handler() {
        return "app.handler";
    }

    private ClientFunction app() {
        function = ClientFunction.python(dir).file("app.py", APP)
                .file("helpers/__init__.py", "")
                .file("helpers/text.py", "def shout(s):\n    return s.upper() + '!'\n")
                .file("python/vendored.py", "VERSION = '1.2.3'\n");
        return function;
    }

    @Test
    void aHandlerGetsItsEventAndLambdasContextAndItsResultIsTheJsonAnswer() {
        JsonNode answer = app().started("app.handler").answer("{\"name\":\"ada\"}");

        assertThat(answer.path("greeting").asText()).isEqualTo("HELLO ADA!");
        assertThat(answer.path("vendored").asText()).isEqualTo("1.2.3"); // from the code's python/ directory
        assertThat(answer.path("requestId").asText()).hasSize(36);
        assertThat(answer.path("functionName").asText()).isEqualTo("fn");
        assertThat(answer.path("memory").asText()).matches("\\d+");
        assertThat(answer.path("arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:fn");
        assertThat(answer.path("logGroup").asText()).isEqualTo("/tandem/fn");
        assertThat(answer.path("logStream").asText()).isNotBlank();
        assertThat(answer.path("remaining").asLong()).isBetween(1L, 30_000L);
        assertThat(answer.path("trace").asText()).startsWith("Root=1-");
        assertThat(answer.path("handlerVariable").asText()).isEqualTo("app.handler");
        assertThat(answer.path("taskRoot").asText()).isEqualTo(function.code().toString());
    }

    @Test
    void aHandlerInADottedPackageIsFound() {
        function = ClientFunction.python(dir).file("api/__init__.py", "").file("api/orders/__init__.py", "")
                .file("api/orders/handlers.py", "def get(event, context):\n    return {'order': event['id']}\n");

        assertThat(function.started("api.orders.handlers.get").answer("{\"id\":7}").path("order").asInt()).isEqualTo(7);
    }

    @Test
    void anExceptionIsLambdasErrorDocumentWithItsTypeAndTraceback() {
        app().started("app.handler");

        HttpResponse<String> failed = function.call("{\"action\":\"fail\",\"order\":42}");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        JsonNode error = ClientFunction.json(failed.body());
        assertThat(error.path("errorType").asText()).isEqualTo("ValueError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("no such order: 42");
        assertThat(error.path("stackTrace").isArray()).isTrue();
        assertThat(error.path("stackTrace").toString()).contains("app.py").contains("in handler");
        assertThat(function.output()).contains("[ERROR] ValueError: no such order: 42");
        assertThat(function.answer("{}").path("greeting").asText()).isEqualTo("HELLO WORLD!"); // the process serves on
    }

    @Test
    void aResultThatIsNotJsonIsAMarshalError() {
        app().started("app.handler");

        HttpResponse<String> failed = function.call("{\"action\":\"unserializable\"}");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(ClientFunction.json(failed.body()).path("errorType").asText()).isEqualTo("Runtime.MarshalError");
    }

    @Test
    void aModuleThatCannotBeImportedRefusesTheSpecialization() {
        function = ClientFunction.python(dir).file("app.py", "import not_installed_anywhere\ndef handler(e, c):\n    return 1\n");

        HttpResponse<String> refused = function.start("app.handler", 10_000, Map.of());

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("Runtime.ImportModuleError").contains("not_installed_anywhere");
    }

    @Test
    void aMissingHandlerFunctionRefusesTheSpecialization() {
        function = ClientFunction.python(dir).file("app.py", "def other(e, c):\n    return 1\n");

        HttpResponse<String> refused = function.start("app.handler", 10_000, Map.of());

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("Runtime.HandlerNotFound").contains("handler");
    }

    @Test
    void printAndLoggingReachTheInstancesOutputWithTheRequestId() {
        app().started("app.handler");

        function.answer("{\"action\":\"log\",\"what\":\"an order\"}");

        String output = function.output();
        assertThat(output).containsPattern("printed for [0-9a-f-]{36}");
        assertThat(output).containsPattern("\\[INFO]\\t\\S+Z\\t[0-9a-f-]{36}\\tlogged an order");
    }

}
