package io.tandem.runtime.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every language's runtime interface client must do in a {@code lambda} instance, whatever the language: each
 * subclass deploys a handler that answers the actions {@code echo} (the event's {@code data} and its size),
 * {@code sleep} (past any timeout), {@code exit} (the process ends with code 3) and otherwise greets
 * {@code event.name} in capitals ({@code HELLO WORLD!} without one).
 */
abstract class ClientContract {
    @TempDir
    Path dir;
    ClientFunction function;

    /** The language's handler in {@link #dir}, not started; sets {@link #function}. */
    abstract ClientFunction deployed();

    /** The handler string that names it. */
    abstract String handler();

    @AfterEach
    void stop() {
        if (function != null) function.close();
    }

    @Test
    void payloadsOfSeveralMegabytesPassBothWays() {
        deployed().started(handler());
        String data = "y".repeat(4 * 1024 * 1024);

        JsonNode answer = function.answer("{\"action\":\"echo\",\"data\":\"" + data + "\"}");

        assertThat(answer.path("size").asInt()).isEqualTo(data.length());
        assertThat(answer.path("data").asText()).isEqualTo(data);
    }

    @Test
    void aHandlerPastItsTimeoutIs504AndTheNextCallGetsAFreshProcess() {
        deployed().started(handler(), 1_500);

        assertThat(function.call("{\"action\":\"sleep\"}").statusCode()).isEqualTo(504);
        assertThat(function.answer("{\"name\":\"again\"}").path("greeting").asText()).isEqualTo("HELLO AGAIN!");
    }

    @Test
    void aProcessThatDiesMidCallIsAnErrorAnswerAndTheNextCallWorks() {
        deployed().started(handler());

        HttpResponse<String> died = function.call("{\"action\":\"exit\"}");

        assertThat(died.statusCode()).isEqualTo(502);
        assertThat(died.body()).contains("code 3");
        assertThat(function.answer("{}").path("greeting").asText()).isEqualTo("HELLO WORLD!");
    }
}
