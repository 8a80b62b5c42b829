package io.tandem.router.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.LogRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the router's own answers become Lambda's error shapes, how an Invoke names its function, and the log tail. */
class LambdaErrorTest {

    @Test
    void mapsTheRoutersRefusalsToLambdasErrorCodes() {
        assertThat(LambdaError.ofRefusal(404, "function not found", "no function named 'x'"))
                .isEqualTo(LambdaError.user(404, "ResourceNotFoundException", "function not found: no function named 'x'"));
        assertThat(LambdaError.ofRefusal(413, "request body too large", "big")).extracting("status", "errorType").containsExactly(413, "RequestTooLargeException");
        assertThat(LambdaError.ofRefusal(400, "bad request", "Content-Length is not a number")).extracting("status", "errorType")
                .containsExactly(400, "InvalidRequestContentException");
        assertThat(LambdaError.ofRefusal(429, "too many concurrent calls", "at most 2")).extracting("status", "errorType", "fault")
                .containsExactly(429, "TooManyRequestsException", "User");
    }

    @Test
    void aShedCallIsAThrottleAndAnUnavailableInstanceTheServicesFault() {
        assertThat(LambdaError.ofRefusal(503, "function overloaded", "all it can")).extracting("status", "errorType")
                .containsExactly(429, "TooManyRequestsException");
        assertThat(LambdaError.ofRefusal(503, "function unavailable", "no node")).extracting("status", "errorType", "fault")
                .containsExactly(500, "ServiceException", "Service");
        assertThat(LambdaError.ofRefusal(502, "function connection lost", "reset")).extracting("status", "errorType")
                .containsExactly(500, "ServiceException");
    }

    @Test
    void aTimeoutIsTheFunctionsFailureAsLambdaReportsIt() {
        LambdaError e = LambdaError.ofRefusal(504, "function timed out", "function 'slow' gave no response after 2s");
        assertThat(e).isEqualTo(new LambdaError.FunctionError("Sandbox.Timedout", "Task timed out: function 'slow' gave no response after 2s"));
        assertThat(((LambdaError.FunctionError) e).body().getString("errorType")).isEqualTo("Sandbox.Timedout");
    }

    @Test
    void serviceErrorsHaveTypeAndMessageAndThrottlesSayWhenToRetry() {
        assertThat(LambdaError.user(404, "ResourceNotFoundException", "gone").body().encode()).isEqualTo("{\"Type\":\"User\",\"message\":\"gone\"}");
        assertThat(LambdaError.user(429, "TooManyRequestsException", "busy").body().getString("retryAfterSeconds")).isEqualTo("1");
    }

    @Test
    void readsNamesQualifiersAndArns() {
        assertThat(InvokeTarget.parse("hello", null)).isEqualTo(new InvokeTarget("hello", "$LATEST"));
        assertThat(InvokeTarget.parse("hello:$LATEST", null).function()).isEqualTo("hello");
        assertThat(InvokeTarget.parse("hello", "$LATEST").function()).isEqualTo("hello");
        assertThat(InvokeTarget.parse("arn:aws:lambda:eu-west-1:123456789012:function:hello", null).function()).isEqualTo("hello");
        assertThat(InvokeTarget.parse("arn:aws:lambda:eu-west-1:123456789012:function:hello:$LATEST", "$LATEST").function()).isEqualTo("hello");
        assertThat(InvokeTarget.parse("123456789012:function:hello", null).function()).isEqualTo("hello");
    }

    @Test
    void refusesVersionsAliasesAndMalformedNames() {
        assertThatThrownBy(() -> InvokeTarget.parse("hello", "prod")).isInstanceOfSatisfying(InvokeTarget.Invalid.class, e -> {
            assertThat(e.error().status()).isEqualTo(404);
            assertThat(e.error().errorType()).isEqualTo("ResourceNotFoundException");
            assertThat(e.error().message()).contains("hello:prod").contains("no published versions or aliases");
        });
        assertThatThrownBy(() -> InvokeTarget.parse("hello:1", "$LATEST")).isInstanceOfSatisfying(InvokeTarget.Invalid.class,
                e -> assertThat(e.error().status()).isEqualTo(400));
        assertThatThrownBy(() -> InvokeTarget.parse("a:b:c", null)).isInstanceOfSatisfying(InvokeTarget.Invalid.class,
                e -> assertThat(e.error().errorType()).isEqualTo("InvalidParameterValueException"));
        assertThatThrownBy(() -> InvokeTarget.parse("", null)).isInstanceOf(InvokeTarget.Invalid.class);
    }

    @Test
    void theTailHasTheCallsLinesBetweenStartAndReport() {
        LogRecord line = new LogRecord(Instant.EPOCH, "hello", "hello-a-1", "n1", "stderr", "greeting Ada");
        String text = LogTail.text("r1", List.of(line), 12_345_678, "hello-a-1@n1");
        assertThat(text).isEqualTo("START RequestId: r1 Version: $LATEST\ngreeting Ada\nEND RequestId: r1\n"
                + "REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tInstance: hello-a-1@n1\t\n");
        assertThat(new String(Base64.getDecoder().decode(LogTail.encoded(text)), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    @Test
    void theTailKeepsItsLastFourKilobytesWithoutSplittingACharacter() {
        String text = "é".repeat(3000) + "the end\n"; // 6,008 bytes of UTF-8
        byte[] tail = Base64.getDecoder().decode(LogTail.encoded(text));
        assertThat(tail.length).isLessThanOrEqualTo(LogTail.MAX_BYTES).isGreaterThan(LogTail.MAX_BYTES - 2);
        String decoded = new String(tail, StandardCharsets.UTF_8);
        assertThat(decoded).endsWith("the end\n").doesNotContain("\uFFFD");
        assertThat(decoded.charAt(0)).isEqualTo('é');
    }
}
