package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.LogRecord;
import io.tandem.router.lambda.TestSigner;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Lambda Invoke API on a real router with fake instances: signed calls reach the function as its body, and what
 * the function or the router answers comes back in Lambda's shapes.
 */
class RouterLambdaTest extends RouterHarness {
    static final String SECRET = "the-token";
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    /** What the fake logs hold for any instance, and the instance they were asked about. */
    final AtomicReference<List<LogRecord>> lines = new AtomicReference<>(List.of());
    final AtomicReference<String> askedAbout = new AtomicReference<>();

    @Override
    RouterConfig config() {
        return RouterConfig.defaults().withPort(0);
    }

    @BeforeEach
    void enableLambdaApi() {
        CallLogs logs = (instance, from, max) -> {
            askedAbout.set(instance.instanceId());
            return CompletableFuture.completedFuture(lines.get());
        };
        router.lambdaApi(new LambdaApi(SECRET, logs, Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    private void deploy(String name, Duration timeout, FakeInstance instance) {
        feed.put(function(name, timeout, null, null));
        router.endpoints().publish(name, List.of(instance.endpoint()));
    }

    private Reply invoke(String function, String event, Map<String, String> extra, String secret) {
        String path = "/2015-03-31/functions/" + function + "/invocations";
        Map<String, String> signed = new java.util.HashMap<>(extra);
        signed.put("Host", "127.0.0.1:" + router.port());
        signed.put("X-Amz-Date", TestSigner.amzDate(NOW));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(signed);
        headers.set("Authorization", TestSigner.authorization("POST", path, null, signed, event, secret, "eu-west-1"));
        try {
            return send(router, HttpMethod.POST, path, headers, Buffer.buffer(event)).await(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer", e);
        }
    }

    @Test
    void theEventReachesTheFunctionAsItsBodyWithoutTheCallersSignature() {
        AtomicReference<MultiMap> seen = new AtomicReference<>();
        FakeInstance echo = instance("echo", req -> {
            seen.set(req.headers());
            req.body().onSuccess(b -> req.response().end("got " + req.method() + " " + req.uri() + " " + b));
        });
        deploy("echo", null, echo);
        Reply r = invoke("echo", "{\"a\":1}", Map.of("X-Amz-Security-Token", "session"), SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("got POST / {\"a\":1}");
        assertThat(r.headers().get("X-Amz-Executed-Version")).isEqualTo("$LATEST");
        assertThat(r.headers().get("x-amzn-RequestId")).isEqualTo(seen.get().get("X-Tandem-Request-Id")).isNotBlank();
        assertThat(seen.get().contains("Authorization")).isFalse();
        assertThat(seen.get().contains("X-Amz-Security-Token")).isFalse();
    }

    @Test
    void aWrongSecretReachesNoFunction() {
        AtomicReference<Boolean> called = new AtomicReference<>(false);
        deploy("guarded", null, instance("guarded", req -> {
            called.set(true);
            req.response().end("ran");
        }));
        Reply r = invoke("guarded", "{}", Map.of(), "another-secret");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers().get("X-Amzn-ErrorType")).isEqualTo("InvalidSignatureException");
        assertThat(r.json().getString("message")).contains("TANDEM_HOME/token");
        assertThat(r.headers().get("Date")).isNotNull();
        assertThat(called.get()).isFalse();
    }

    @Test
    void anAnswerOutside2xxIsAFunctionErrorWithItsStatus() {
        deploy("broken", null, instance("broken", req -> req.response().setStatusCode(500).end("boom")));
        Reply r = invoke("broken", "{}", Map.of(), SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("X-Amz-Function-Error")).isEqualTo("Unhandled");
        assertThat(r.headers().get("X-Tandem-Function-Status")).isEqualTo("500");
        assertThat(r.body()).isEqualTo("boom");
    }

    @Test
    void theFunctionsOwnErrorDocumentPassesWithItsHeader() {
        deploy("thrower", null, instance("thrower", req -> req.response().setStatusCode(500).putHeader("X-Amz-Function-Error", "Unhandled")
                .end("{\"errorMessage\":\"bad\",\"errorType\":\"java.lang.IllegalStateException\"}")));
        Reply r = invoke("thrower", "{}", Map.of(), SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("X-Amz-Function-Error")).isEqualTo("Unhandled");
        assertThat(r.headers().get("X-Tandem-Function-Status")).isNull();
        assertThat(r.json().getString("errorMessage")).isEqualTo("bad");
    }

    @Test
    void aTimeoutIsTheFunctionsFailureAsInLambda() {
        deploy("slow", Duration.ofMillis(300), instance("slow", req -> { })); // never answers
        Reply r = invoke("slow", "{}", Map.of(), SECRET);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("X-Amz-Function-Error")).isEqualTo("Unhandled");
        assertThat(r.json().getString("errorType")).isEqualTo("Sandbox.Timedout");
        assertThat(r.headers().get("x-amzn-RequestId")).isNotBlank();
    }

    @Test
    void noInstanceIsAServiceException() {
        feed.put(function("homeless", null, null, null));
        Reply r = invoke("homeless", "{}", Map.of(), SECRET);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.headers().get("X-Amzn-ErrorType")).isEqualTo("ServiceException");
        assertThat(r.json().getString("Type")).isEqualTo("Service");
    }

    @Test
    void theLogTailHoldsTheInstancesLinesUpToItsEnd() {
        FakeInstance greeter = instance("greeter", req -> req.response().end("\"hi\""));
        deploy("greeter", null, greeter);
        Instant soon = Instant.now();
        lines.set(List.of(new LogRecord(soon, "greeter", greeter.endpoint().instanceId(), "n1", "stdout", "said hi"),
                new LogRecord(soon.plus(Duration.ofHours(1)), "greeter", greeter.endpoint().instanceId(), "n1", "stdout", "a later call's line")));
        Reply r = invoke("greeter", "{}", Map.of("X-Amz-Log-Type", "Tail"), SECRET);
        assertThat(r.body()).isEqualTo("\"hi\"");
        String tail = new String(Base64.getDecoder().decode(r.headers().get("X-Amz-Log-Result")), StandardCharsets.UTF_8);
        String id = r.headers().get("x-amzn-RequestId");
        assertThat(tail).startsWith("START RequestId: " + id + " Version: $LATEST\nsaid hi\nEND RequestId: " + id + "\nREPORT RequestId: " + id)
                .doesNotContain("a later call's line");
        assertThat(askedAbout.get()).isEqualTo(greeter.endpoint().instanceId());
    }

    @Test
    void otherOperationsAndQualifiersAreRefusedInLambdasShape() {
        Reply versions = invoke("x:7", "{}", Map.of(), SECRET);
        assertThat(versions.status()).isEqualTo(404);
        assertThat(versions.headers().get("X-Amzn-ErrorType")).isEqualTo("ResourceNotFoundException");
        Reply unknown = invoke("nobody", "{}", Map.of(), SECRET);
        assertThat(unknown.json().getString("message")).contains("nobody");
        Reply badType = invoke("nobody", "{}", Map.of("X-Amz-Invocation-Type", "Later"), SECRET);
        assertThat(badType.status()).isEqualTo(400);
        assertThat(badType.headers().get("X-Amzn-ErrorType")).isEqualTo("InvalidParameterValueException");
    }
}
