package io.tandem.router.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ResendPolicyTest {
    private static final Duration POOL_WAIT = Duration.ofMillis(250);

    @Test
    void aRefusedConnectionMayAlwaysGoAgain() {
        AttemptFailure f = ResendPolicy.dialFailed("127.0.0.1:9", new ConnectException("Connection refused"), POOL_WAIT);
        assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.DIAL_REFUSED);
        assertThat(f.resendable()).isTrue();
        assertThat(f.getMessage()).isEqualTo("cannot connect to 127.0.0.1:9: Connection refused");
    }

    @Test
    void aConnectTimeoutIsASuspicionThatMayGoAgain() {
        AttemptFailure f = ResendPolicy.dialFailed("127.0.0.1:9", new TimeoutException("connect"), POOL_WAIT);
        assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.DIAL_TIMEOUT);
        assertThat(f.suspicion()).isTrue();
        assertThat(f.resendable()).isTrue();
    }

    @Test
    void waitingTooLongForAPooledConnectionShedsTheCallUnsent() {
        AttemptFailure f = ResendPolicy.dialFailed("127.0.0.1:9",
                new IllegalStateException("Timeout of 250 ms when getting a connection"), POOL_WAIT);
        assertThat(f.kind()).isEqualTo(AttemptFailure.Kind.OVERLOADED);
        assertThat(f.resendable()).isFalse();
        assertThat(f.getMessage()).contains("none ended within 250 ms");
    }

    @Test
    void aLostConnectionGoesAgainOnlyForAnIdempotentFunctionWithItsBodyKept() {
        Throwable cut = new IllegalStateException("Connection was closed");
        assertThat(ResendPolicy.connectionLost("a:1", cut, "f", true, true).resendable()).isTrue();
        AttemptFailure notIdempotent = ResendPolicy.connectionLost("a:1", cut, "f", false, true);
        assertThat(notIdempotent.resendable()).isFalse();
        assertThat(notIdempotent.getMessage()).endsWith("re-sent because function 'f' is not idempotent");
        AttemptFailure streamed = ResendPolicy.connectionLost("a:1", cut, "f", true, false);
        assertThat(streamed.resendable()).isFalse();
        assertThat(streamed.getMessage()).endsWith("re-sent because its body was streamed, not kept");
    }
}
