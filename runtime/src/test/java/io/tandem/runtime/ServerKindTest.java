package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.runtime.http.Http1Server;
import org.junit.jupiter.api.Test;

/** Which HTTP server an instance runs: pollers for java, a thread per connection where calls wait on a process. */
class ServerKindTest {
    @Test
    void javaInstancesPollAndProcessRuntimesKeepAThreadPerConnectionUnlessTheEnvironmentSaysOtherwise() {
        assertThat(InstanceServer.serverKind("java", null)).isEqualTo(Http1Server.Kind.POLLING);
        assertThat(InstanceServer.serverKind("exec", "")).isEqualTo(Http1Server.Kind.BLOCKING);
        assertThat(InstanceServer.serverKind("lambda", null)).isEqualTo(Http1Server.Kind.BLOCKING);
        assertThat(InstanceServer.serverKind("java", "blocking")).isEqualTo(Http1Server.Kind.BLOCKING);
        assertThat(InstanceServer.serverKind("exec", " polling ")).isEqualTo(Http1Server.Kind.POLLING);
    }

    @Test
    void anUnknownKindIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> InstanceServer.serverKind("java", "epoll"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TANDEM_INSTANCE_SERVER must be polling or blocking, was 'epoll'");
    }
}
