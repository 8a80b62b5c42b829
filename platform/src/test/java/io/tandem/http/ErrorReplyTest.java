package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorReplyTest {
    @Test
    void writesErrorThenDetail() {
        assertThat(new String(ErrorReply.body("no such instance", "i-1"), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":\"no such instance\",\"detail\":\"i-1\"}");
    }

    @Test
    void leavesOutAMissingDetail() {
        assertThat(new String(ErrorReply.body("unauthorized", null), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"unauthorized\"}");
    }

    @Test
    void exceptionMessageJoinsErrorAndDetail() {
        assertThat(new ApiException(409, "instance exists", "i-1").getMessage()).isEqualTo("instance exists: i-1");
        assertThat(new ApiException(400, "bad request", " ").getMessage()).isEqualTo("bad request");
    }
}
