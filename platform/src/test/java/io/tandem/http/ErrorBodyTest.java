package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {
    @Test
    void readsBackWhatItWritesWithANullDetailLeftOut() {
        assertThat(new String(new ErrorBody("no such function", null).toJson(), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":\"no such function\"}");
        assertThat(ErrorBody.parse(new ErrorBody("bad spec", "give a name").toJson()))
                .contains(new ErrorBody("bad spec", "give a name"));
        assertThat(ErrorBody.parse(new ErrorBody("gone", null).toJson())).contains(new ErrorBody("gone", null));
    }

    @Test
    void findsNoErrorInTextOrInJsonWithoutAnErrorField() {
        assertThat(ErrorBody.parse("upstream timed out".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ErrorBody.parse("{\"status\":\"not ready\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ErrorBody.parse(new byte[0])).isEmpty();
    }

    @Test
    void describesItselfOnOneLineWithoutABlankDetail() {
        assertThat(new ErrorBody("load failed", "NoClassDefFoundError: x").describe()).isEqualTo("load failed: NoClassDefFoundError: x");
        assertThat(new ErrorBody("load failed", " ").describe()).isEqualTo("load failed");
        assertThat(new ApiException(422, "load failed", null)).hasMessage("load failed");
    }
}
