package io.tandem.router.strategy;

import static io.tandem.router.strategy.ManualAttempts.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Endpoint;
import io.tandem.model.FaultTolerance;
import io.tandem.model.Strategy;
import io.tandem.router.strategy.AttemptFailure.Kind;
import io.vertx.core.Future;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverStrategyTest {
    private final Failover activeStandby = new Failover(1, 3);
    private final Failover replicate = new Failover(2, 3);
    private final Endpoint active = endpoint("a1", 1);
    private final Endpoint promoted = endpoint("a2", 2);
    private final Endpoint r1 = endpoint("r1", 0);
    private final Endpoint r2 = endpoint("r2", 0);

    // --- active-standby

    @Test
    void activeStandbyReportsALostActiveAndResendsToThePromotedOne() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.DIAL_REFUSED, false);
        assertThat(attempts.unreachable).containsExactly(active);
        // One wait watches for a promotion while the send is out, the other follows its failure.
        assertThat(attempts.waitedPast).containsExactly(Set.of(active), Set.of(active));
        assertThat(result.isComplete()).isFalse();

        attempts.publish(promoted);
        attempts.send(1).answer("200 ok");
        assertThat(attempts.send(1).endpoint).isEqualTo(promoted);
        assertThat(result.result()).isEqualTo("200 ok");
    }

    @Test
    void aFencedActiveIsNeitherReportedNorForgottenAndTheRequestGoesToThePromotedOneEvenUnreplayable() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.FENCED, false);
        attempts.publish(promoted);
        attempts.send(1).answer("200 ok");

        assertThat(attempts.send(1).endpoint).isEqualTo(promoted);
        assertThat(result.result()).isEqualTo("200 ok");
        assertThat(attempts.forgotten).isEmpty();
        assertThat(attempts.unreachable).isEmpty();
    }

    @Test
    void aFencedActiveThatStaysPublishedIsAskedAgainAfterAPause() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.FENCED, false); // its lease lapsed: a probe came late
        assertThat(attempts.sends).hasSize(1);
        attempts.pauses.getFirst().complete();

        assertThat(attempts.send(1).endpoint).isEqualTo(active);
        attempts.send(1).answer("200 after the lease was renewed");
        assertThat(result.result()).isEqualTo("200 after the lease was renewed");
    }

    @Test
    void activeStandbyNeverResendsARequestThatMayHaveRun() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.CONNECTION_LOST, false);

        assertThat(((AttemptFailure) result.cause()).kind()).isEqualTo(Kind.CONNECTION_LOST);
        assertThat(attempts.suspected).containsExactly(active);
        assertThat(attempts.unreachable).as("a lost connection is a suspicion, not a verdict").isEmpty();
        assertThat(attempts.sends).hasSize(1);
        assertThat(attempts.waitedPast).as("only the wait for a promotion while the send was out").hasSize(1);
    }

    @Test
    void activeStandbyGivesUpASendStillWaitingOnTheActiveOnceAnotherIsPublished() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.publish(promoted); // the active hangs: its send neither answers nor fails

        assertThat(attempts.send(0).cancelled).isTrue();
        assertThat(attempts.send(1).endpoint).isEqualTo(promoted);
        attempts.send(1).answer("200 from the new active");
        assertThat(result.result()).isEqualTo("200 from the new active");
    }

    @Test
    void aNonIdempotentSendGivenUpOnAHungActiveEndsTheRequestSayingItMayHaveRun() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        attempts.idempotent = false;
        Future<String> result = activeStandby.invoke(attempts);

        attempts.publish(promoted);
        assertThat(attempts.send(0).cancelled).as("a slow send gets a grace to answer").isFalse();
        attempts.pauses.getFirst().complete();

        assertThat(attempts.send(0).cancelled).isTrue();
        assertThat(attempts.sends).hasSize(1);
        assertThat(((AttemptFailure) result.cause()).kind()).isEqualTo(Kind.CONNECTION_LOST);
    }

    @Test
    void activeStandbyResendsAReplayableLostRequest() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.CONNECTION_LOST, true);
        attempts.publish(promoted);
        attempts.send(1).answer("200 again");

        assertThat(result.result()).isEqualTo("200 again");
    }

    @Test
    void activeStandbyPassesTheFunctions5xxThrough() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).answer("500 mine");

        assertThat(result.result()).isEqualTo("500 mine");
        assertThat(attempts.unreachable).isEmpty();
    }

    @Test
    void activeStandbyGivesUpAfterMaxRetriesRounds() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.DIAL_REFUSED, false);
        attempts.publish(endpoint("a2", 2));
        attempts.send(1).fail(Kind.DIAL_REFUSED, false);
        attempts.publish(endpoint("a3", 3));
        attempts.send(2).fail(Kind.DIAL_TIMEOUT, false);

        assertThat(((AttemptFailure) result.cause()).kind()).isEqualTo(Kind.DIAL_TIMEOUT);
        assertThat(attempts.sends).hasSize(3);
        assertThat(attempts.unreachable).hasSize(2);
        assertThat(attempts.suspected).containsExactly(endpoint("a3", 3));
    }

    @Test
    void activeStandbyResendsToASuspectedActiveAfterAPauseWithoutReportingItUnreachable() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.DIAL_TIMEOUT, false); // its accept queue was full: slow, maybe not dead
        assertThat(attempts.suspected).containsExactly(active);
        assertThat(attempts.sends).hasSize(1);
        attempts.pauses.getFirst().complete();

        assertThat(attempts.send(1).endpoint).as("the executor kept it active").isEqualTo(active);
        attempts.send(1).answer("200 once it caught up");
        assertThat(result.result()).isEqualTo("200 once it caught up");
        assertThat(attempts.unreachable).isEmpty();
    }

    @Test
    void activeStandbyResendsToThePromotedActiveWhenTheSuspicionWasConfirmed() {
        ManualAttempts attempts = new ManualAttempts().publishing(active);
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).fail(Kind.CONNECTION_LOST, true);
        attempts.publish(promoted); // the executor found the process gone and promoted the standby

        assertThat(attempts.send(1).endpoint).isEqualTo(promoted);
        attempts.send(1).answer("200 from the new active");
        assertThat(result.result()).isEqualTo("200 from the new active");
    }

    @Test
    void activeStandbyAsksTheExecutorWhenNothingIsPublished() {
        ManualAttempts attempts = new ManualAttempts();
        Future<String> result = activeStandby.invoke(attempts);

        attempts.send(0).answer("200 cold");

        assertThat(result.result()).isEqualTo("200 cold");
        assertThat(attempts.acquired).isEqualTo(1);
    }

    // --- replicate

    @Test
    void replicateReturnsTheFirstAnswerAndCancelsTheOther() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        assertThat(attempts.sends).extracting(s -> s.endpoint).containsExactly(r1, r2);
        attempts.send(1).answer("200 fast");

        assertThat(result.result()).isEqualTo("200 fast");
        assertThat(attempts.send(0).cancelled).isTrue();
        assertThat(attempts.unreachable).isEmpty();
    }

    @Test
    void replicateWaitsPastA5xxForAnAnswerUnder500() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(0).answer("500 broken");
        assertThat(result.isComplete()).isFalse();
        attempts.send(1).answer("201 made");

        assertThat(result.result()).isEqualTo("201 made");
        assertThat(attempts.send(0).cancelled).isTrue();
    }

    @Test
    void replicateReturnsTheFirst5xxWhenEveryReplicaFails() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(1).answer("503 first");
        attempts.send(0).answer("500 second");

        assertThat(result.result()).isEqualTo("503 first");
        assertThat(attempts.send(0).cancelled).isTrue();
        assertThat(attempts.send(1).cancelled).isFalse();
    }

    @Test
    void replicateReportsADeadReplicaWhileTheOtherAnswers() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(0).fail(Kind.DIAL_REFUSED, false);
        assertThat(attempts.unreachable).containsExactly(r1);
        attempts.send(1).answer("200 alive");

        assertThat(result.result()).isEqualTo("200 alive");
        assertThat(attempts.waitedPast).isEmpty();
    }

    @Test
    void replicateResendsToNewReplicasWhenEveryReplicaIsLost() {
        Endpoint r3 = endpoint("r3", 0);
        Endpoint r4 = endpoint("r4", 0);
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(0).fail(Kind.DIAL_REFUSED, false);
        attempts.send(1).fail(Kind.DIAL_REFUSED, false);
        assertThat(attempts.waitedPast).containsExactly(Set.of(r1, r2));
        attempts.publish(r3, r4);
        attempts.send(3).answer("200 r4");

        assertThat(result.result()).isEqualTo("200 r4");
        assertThat(attempts.send(2).cancelled).isTrue();
        assertThat(attempts.unreachable).containsExactly(r1, r2);
    }

    @Test
    void replicateFailsWithTheLostConnectionThatMayHaveRun() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1, r2);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(0).fail(Kind.CONNECTION_LOST, false);
        attempts.send(1).fail(Kind.DIAL_REFUSED, false);

        AttemptFailure failure = (AttemptFailure) result.cause();
        assertThat(failure.kind()).isEqualTo(Kind.CONNECTION_LOST);
        assertThat(failure.replayable()).isFalse();
        assertThat(attempts.waitedPast).isEmpty();
    }

    @Test
    void replicateWithOneEndpointMakesOneSend() {
        ManualAttempts attempts = new ManualAttempts().publishing(r1);
        Future<String> result = replicate.invoke(attempts);

        attempts.send(0).answer("200 only");

        assertThat(result.result()).isEqualTo("200 only");
        assertThat(attempts.sends).hasSize(1);
    }

    @Test
    void strategiesPickFailoverForActiveStandbyAndReplicate() {
        FaultTolerance ft = FaultTolerance.defaults();
        assertThat(Strategies.of(ft.withStrategy(Strategy.ACTIVE_STANDBY))).isInstanceOf(Failover.class);
        assertThat(Strategies.of(ft.withStrategy(Strategy.REPLICATE))).isInstanceOf(Failover.class);
        assertThat(Strategies.of(ft.withStrategy(Strategy.RETRY)).replaysBodies()).isFalse();
        assertThat(Strategies.of(ft.withStrategy(Strategy.NONE)).replaysBodies()).isFalse();
    }
}
