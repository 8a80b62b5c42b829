package io.tandem.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpVariablesTest {

    @Test
    void canonicalizesHeaderNamesLikeTheWatchdog() {
        assertThat(ExecInvoker.canonical("content-type")).isEqualTo("Content-Type");
        assertThat(ExecInvoker.canonical("X-REQUEST-ID")).isEqualTo("X-Request-Id");
        assertThat(ExecInvoker.canonical("Accept")).isEqualTo("Accept");
    }
}
