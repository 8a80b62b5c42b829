package io.tandem.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.runtime.http.HeaderNames;
import org.junit.jupiter.api.Test;

class HttpVariablesTest {

    @Test
    void canonicalizesHeaderNamesLikeTheWatchdog() {
        assertThat(HeaderNames.canonical("content-type")).isEqualTo("Content-Type");
        assertThat(HeaderNames.canonical("X-REQUEST-ID")).isEqualTo("X-Request-Id");
        assertThat(HeaderNames.canonical("Accept")).isEqualTo("Accept");
    }
}
