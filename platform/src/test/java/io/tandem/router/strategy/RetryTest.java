package io.tandem.router.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Endpoint;
import io.tandem.model.FaultTolerance;
import io.tandem.router.strategy.AttemptFailure.Kind;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryTest {
    private final Retry retry = Retry.of(FaultTolerance.defaults());

    /** Hands out endpoints e1, e2, ... and answers sends from a script; the clock is the list of waits. */
    static class ScriptedAttempts implements Attempts<String> {
        final Deque<Object> script = new ArrayDeque<>();
        final List<Endpoint> sentTo = new ArrayList<>();
        final List<Endpoint> unreachable = new ArrayList<>();
        final List<Endpoint> suspected = new ArrayList<>();
        final List<Duration> waits = new ArrayList<>();
        int acquired;

        ScriptedAttempts then(Object outcome) {
            script.add(outcome);
            return this;
        }

        ScriptedAttempts thenTimes(int n, Object outcome) {
            for (int i = 0; i < n; i++) script.add(outcome);
            return this;
        }

        @Override
        public Future<Endpoint> endpoint() {
            acquired++;
            return Future.succeededFuture(new Endpoint("f", "e" + acquired, "n1", "127.0.0.1", 1000 + acquired, 0));
        }

        @Override
        public List<Endpoint> published() {
            return List.of();
        }

        @Override
        public Future<List<Endpoint>> republished(Set<Endpoint> failed) {
            throw new AssertionError("retry never waits for a publish");
        }

        @Override
        public Attempt<String> start(Endpoint endpoint) {
            sentTo.add(endpoint);
            Object next = script.isEmpty() ? "ok" : script.poll();
            Future<String> response = next instanceof AttemptFailure f ? Future.failedFuture(f) : Future.succeededFuture((String) next);
            return new Attempt<>() {
                @Override
                public Future<String> response() {
                    return response;
                }

                @Override
                public void cancel() {
                    throw new AssertionError("retry never cancels");
                }
            };
        }

        @Override
        public int status(String response) {
            return 200;
        }

        @Override
        public AttemptFailure superseded(Endpoint endpoint) {
            throw new AssertionError("retry never supersedes a send");
        }

        @Override
        public void forget(Endpoint endpoint) {
            throw new AssertionError("retry never forgets without reporting");
        }

        @Override
        public void unreachable(Endpoint endpoint) {
            unreachable.add(endpoint);
        }

        @Override
        public void suspect(Endpoint endpoint, AttemptFailure why) {
            suspected.add(endpoint);
        }

        @Override
        public Future<Void> after(Duration delay) {
            waits.add(delay);
            return Future.succeededFuture();
        }
    }

    private static AttemptFailure failure(Kind kind) {
        return new AttemptFailure(kind, kind.name());
    }

    @Test
    void retriesDialErrorThenSucceeds() {
        ScriptedAttempts attempts = new ScriptedAttempts().then(failure(Kind.DIAL_REFUSED)).then("answer");

        assertThat(retry.invoke(attempts).result()).isEqualTo("answer");
        assertThat(attempts.acquired).isEqualTo(2);
        assertThat(attempts.unreachable).extracting(Endpoint::instanceId).containsExactly("e1");
        assertThat(attempts.waits).containsExactly(Duration.ofMillis(50));
    }

    @Test
    void keepsTheAddressUntilFiveConnectTimeoutsAndReportsEachAsASuspicionOnly() {
        ScriptedAttempts attempts = new ScriptedAttempts().thenTimes(5, failure(Kind.DIAL_TIMEOUT)).then("answer");

        assertThat(retry.invoke(attempts).result()).isEqualTo("answer");
        assertThat(attempts.sentTo).extracting(Endpoint::instanceId).containsExactly("e1", "e1", "e1", "e1", "e1", "e2");
        assertThat(attempts.suspected).extracting(Endpoint::instanceId).containsExactly("e1", "e1", "e1", "e1", "e1");
        assertThat(attempts.unreachable).as("a slow instance times out too: only the executor decides it is gone").isEmpty();
    }

    @Test
    void backsOffExponentiallyAndGivesUpAfterMaxRetries() {
        ScriptedAttempts attempts = new ScriptedAttempts().thenTimes(20, failure(Kind.DIAL_REFUSED));

        Future<String> result = retry.invoke(attempts);

        assertThat(result.failed()).isTrue();
        assertThat(((AttemptFailure) result.cause()).kind()).isEqualTo(Kind.DIAL_REFUSED);
        assertThat(attempts.sentTo).hasSize(10);
        assertThat(attempts.waits).extracting(Duration::toMillis)
                .containsExactly(50L, 100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L);
    }

    @Test
    void neverRetriesALostConnectionThatCannotBeReplayed() {
        ScriptedAttempts attempts = new ScriptedAttempts().then(new AttemptFailure(Kind.CONNECTION_LOST, "reset", false, null));

        assertThat(retry.invoke(attempts).failed()).isTrue();
        assertThat(attempts.sentTo).hasSize(1);
        assertThat(attempts.unreachable).isEmpty();
    }

    @Test
    void retriesAReplayableLostConnectionOnANewEndpoint() {
        ScriptedAttempts attempts = new ScriptedAttempts().then(new AttemptFailure(Kind.CONNECTION_LOST, "reset", true, null)).then("answer");

        assertThat(retry.invoke(attempts).result()).isEqualTo("answer");
        assertThat(attempts.sentTo).extracting(Endpoint::instanceId).containsExactly("e1", "e2");
    }

    @Test
    void stopsAtAnUnavailableFunction() {
        ScriptedAttempts attempts = new ScriptedAttempts() {
            @Override
            public Future<Endpoint> endpoint() {
                acquired++;
                return Future.failedFuture(new AttemptFailure(Kind.UNAVAILABLE, "code failed to load"));
            }
        };

        assertThat(retry.invoke(attempts).cause()).hasMessage("code failed to load");
        assertThat(attempts.acquired).isEqualTo(1);
    }

    @Test
    void onceMakesOneAttemptAndReportsADeadEndpoint() {
        ScriptedAttempts attempts = new ScriptedAttempts().then(failure(Kind.DIAL_REFUSED));

        assertThat(new Once().invoke(attempts).failed()).isTrue();
        assertThat(attempts.sentTo).hasSize(1);
        assertThat(attempts.unreachable).hasSize(1);
    }
}
