package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tandem's Node.js runtime interface client ({@code nodejs-lambda}) in a {@code lambda} instance: handlers written
 * as for AWS's Node.js runtime, as CommonJS or ES modules, async or with a callback, with their own node_modules.
 */
class NodeClientTest extends ClientContract {
    /** A CommonJS handler that uses a package bundled in the code's node_modules. */
    private static final String CJS = """
            const { shout } = require('shouter');
            exports.handler = async (event, context) => {
              switch (event.action) {
                case 'fail': throw new TypeError(`no such order: ${event.order}`);
                case 'sleep': await new Promise((resolve) => setTimeout(resolve, 600_000)); break;
                case 'exit': process.exit(3);
                case 'echo': return { size: event.data.length, data: event.data };
                case 'log':
                  console.log('logged', event.what);
                  console.error('warned about', event.what);
                  return 'ok';
                case 'stray': setTimeout(() => { throw new Error('thrown outside the handler'); }, 0); return new Promise(() => {});
              }
              return {
                greeting: shout(`hello ${event.name ?? 'world'}`),
                requestId: context.awsRequestId,
                functionName: context.functionName,
                memory: context.memoryLimitInMB,
                arn: context.invokedFunctionArn,
                logGroup: context.logGroupName,
                remaining: context.getRemainingTimeInMillis(),
                trace: process.env._X_AMZN_TRACE_ID,
              };
            };
            """;

    @Override
    ClientFunction deployed() {
        return cjs();
    }

    @Override
    String handler() {
        return "index.handler";
    }

    private ClientFunction cjs() {
        function = ClientFunction.node(dir).file("index.js", CJS)
                .file("node_modules/shouter/package.json", "{\"name\":\"shouter\",\"main\":\"lib.js\"}")
                .file("node_modules/shouter/lib.js", "exports.shout = (s) => s.toUpperCase() + '!';\n");
        return function;
    }

    @Test
    void aCommonJsHandlerGetsItsEventAndLambdasContext() {
        JsonNode answer = cjs().started("index.handler").answer("{\"name\":\"ada\"}");

        assertThat(answer.path("greeting").asText()).isEqualTo("HELLO ADA!");
        assertThat(answer.path("requestId").asText()).hasSize(36);
        assertThat(answer.path("functionName").asText()).isEqualTo("fn");
        assertThat(answer.path("memory").asText()).matches("\\d+");
        assertThat(answer.path("arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:fn");
        assertThat(answer.path("logGroup").asText()).isEqualTo("/tandem/fn");
        assertThat(answer.path("remaining").asLong()).isBetween(1L, 30_000L);
        assertThat(answer.path("trace").asText()).startsWith("Root=1-");
    }

    @Test
    void anEsModuleHandlerInAnMjsFileIsLoaded() {
        function = ClientFunction.node(dir).file("src/app.mjs", """
                const started = await Promise.resolve('at load'); // top-level await, as ES modules allow
                export const handler = async (event) => ({ kind: 'mjs', started, n: event.n });
                """);

        JsonNode answer = function.started("src/app.handler").answer("{\"n\":3}");

        assertThat(answer.path("kind").asText()).isEqualTo("mjs");
        assertThat(answer.path("started").asText()).isEqualTo("at load");
        assertThat(answer.path("n").asInt()).isEqualTo(3);
    }

    @Test
    void aJsFileIsAnEsModuleWhenPackageJsonSaysTypeModule() {
        function = ClientFunction.node(dir).file("package.json", "{\"type\":\"module\"}")
                .file("index.js", "export async function handler(event) { return { kind: typeof require === 'undefined' ? 'esm' : 'cjs' }; }\n");

        assertThat(function.started("index.handler").answer("{}").path("kind").asText()).isEqualTo("esm");
    }

    @Test
    void aCallbackStyleHandlerAnswersWithWhatItPassesTheCallback() {
        function = ClientFunction.node(dir).file("index.js", """
                exports.handler = function (event, context, callback) {
                  setTimeout(() => event.fail ? callback(new Error('called back with an error')) : callback(null, { doubled: event.n * 2 }), 10);
                };
                """);
        function.started("index.handler");

        assertThat(function.answer("{\"n\":21}").path("doubled").asInt()).isEqualTo(42);
        HttpResponse<String> failed = function.call("{\"fail\":true}");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(ClientFunction.json(failed.body()).path("errorMessage").asText()).isEqualTo("called back with an error");
    }

    @Test
    void aHandlerThatNeitherReturnsAPromiseNorCallsBackAnswersNullOnceItsWorkIsDone() {
        function = ClientFunction.node(dir).file("index.js", """
                exports.handler = (event) => { setTimeout(() => console.log('late work for', event.n), 50); };
                """);
        function.started("index.handler");

        HttpResponse<String> answer = function.call("{\"n\":5}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("null");
        assertThat(function.output()).contains("late work for 5"); // answered after the pending timer ran
    }

    @Test
    void aThrownErrorIsLambdasErrorDocumentWithItsTypeAndTrace() {
        cjs().started("index.handler");

        HttpResponse<String> failed = function.call("{\"action\":\"fail\",\"order\":42}");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        JsonNode error = ClientFunction.json(failed.body());
        assertThat(error.path("errorType").asText()).isEqualTo("TypeError");
        assertThat(error.path("errorMessage").asText()).isEqualTo("no such order: 42");
        assertThat(error.path("trace").isArray()).isTrue();
        assertThat(error.path("trace").toString()).contains("index.js");
        assertThat(function.answer("{}").path("greeting").asText()).isEqualTo("HELLO WORLD!");
    }

    @Test
    void anErrorThrownOutsideTheHandlersPromiseFailsTheCallAndTheNextGetsAFreshProcess() {
        cjs().started("index.handler");

        HttpResponse<String> failed = function.call("{\"action\":\"stray\"}");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).contains("thrown outside the handler");
        assertThat(function.answer("{}").path("greeting").asText()).isEqualTo("HELLO WORLD!");
    }

    @Test
    void aMissingModuleOrExportRefusesTheSpecialization() {
        function = ClientFunction.node(dir).file("index.js", "exports.other = async () => 1;\n");

        HttpResponse<String> noExport = function.start("index.handler", 10_000, Map.of());
        assertThat(noExport.statusCode()).isEqualTo(422);
        assertThat(noExport.body()).contains("Runtime.HandlerNotFound");
        function.close();

        HttpResponse<String> noModule = function.start("missing.handler", 10_000, Map.of());
        assertThat(noModule.statusCode()).isEqualTo(422);
        assertThat(noModule.body()).contains("Runtime.ImportModuleError").contains("missing");
    }

    @Test
    void consoleOutputReachesTheInstancesOutputWithTheRequestIdAndLevel() {
        cjs().started("index.handler");

        function.answer("{\"action\":\"log\",\"what\":\"an order\"}");

        String output = function.output();
        assertThat(output).containsPattern("\\S+Z\\t[0-9a-f-]{36}\\tINFO\\tlogged an order");
        assertThat(output).containsPattern("\\S+Z\\t[0-9a-f-]{36}\\tERROR\\twarned about an order");
    }

}
