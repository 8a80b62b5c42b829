package io.tandem.router.overload;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private static final Duration LONG = Duration.ofMinutes(1);

    @AfterEach
    void close() {
        vertx.close().await();
    }

    private static Admission.Ticket ticket(Future<Admission.Ticket> f) throws Exception {
        return f.await(10, TimeUnit.SECONDS);
    }

    @Test
    void callsUpToTheLimitEnterAtOnceAndTheNextWaitsInArrivalOrderForASlot() throws Exception {
        Admission door = new Admission(vertx, 3);
        List<Admission.Ticket> in = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Future<Admission.Ticket> f = door.enter(context, LONG);
            assertThat(f.succeeded()).as("call " + i + " enters at once").isTrue();
            in.add(f.result());
        }
        Future<Admission.Ticket> fourth = door.enter(context, LONG);
        Future<Admission.Ticket> fifth = door.enter(context, LONG);
        assertThat(fourth.isComplete()).isFalse();
        assertThat(door.queued()).isEqualTo(2);

        in.get(1).done(1_000_000);
        Admission.Ticket t4 = ticket(fourth);
        assertThat(fifth.isComplete()).as("first come, first served").isFalse();
        in.get(1).done(1_000_000); // a second done is ignored: it frees no second slot
        assertThat(fifth.isComplete()).isFalse();
        t4.done();
        ticket(fifth);
        assertThat(door.inFlight()).isEqualTo(3);
        assertThat(door.queued()).isZero();
    }

    @Test
    void aCallThatWaitsItsWholeBudgetIsShedAndLeavesTheQueue() {
        Admission door = new Admission(vertx, 2);
        door.enter(context, LONG);
        door.enter(context, LONG);
        long start = System.nanoTime();
        // The budget is at most half the function's timeout: 200 ms of a 400 ms timeout.
        Future<Admission.Ticket> waiting = door.enter(context, Duration.ofMillis(400));

        Throwable failure = waiting.transform(f -> Future.succeededFuture(f.cause())).await();
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(failure).isInstanceOf(Admission.Shed.class).hasMessageContaining("no slot freed within 200 ms");
        assertThat(((Admission.Shed) failure).reason()).isEqualTo(Admission.Reason.WAITED);
        assertThat(waitedMillis).isBetween(150L, 5_000L);
        assertThat(door.queued()).isZero();
        assertThat(door.shed(Admission.Reason.WAITED)).isEqualTo(1);
    }

    @Test
    void aCallFindingTheQueueAsLongAsTheFunctionCanWorkOffIsShedAtOnce() {
        Admission door = new Admission(vertx, 2);
        door.enter(context, LONG);
        door.enter(context, LONG);
        int queued = 0;
        Future<Admission.Ticket> f;
        do {
            f = door.enter(context, LONG);
            if (!f.isComplete()) queued++;
        } while (!f.isComplete() && queued <= Admission.MAX_QUEUE);

        assertThat(f.failed()).isTrue();
        assertThat(((Admission.Shed) f.cause()).reason()).isEqualTo(Admission.Reason.QUEUE_FULL);
        assertThat(f.cause()).hasMessageContaining("calls are already waiting");
        assertThat(queued).isBetween(2, Admission.MAX_QUEUE);
        assertThat(door.shed(Admission.Reason.QUEUE_FULL)).isEqualTo(1);
    }

    @Test
    void aCallWhoseClientLeftLeavesTheQueueAndIsNotCountedAsShed() throws Exception {
        Admission door = new Admission(vertx, 2);
        Admission.Ticket first = ticket(door.enter(context, LONG));
        door.enter(context, LONG);
        Future<Admission.Ticket> left = door.enter(context, LONG);
        Future<Admission.Ticket> stays = door.enter(context, LONG);

        door.abandon(left);

        assertThat(door.queued()).isEqualTo(1);
        assertThat(left.failed()).isTrue();
        first.done(1_000_000);
        ticket(stays);
        assertThat(door.shed(Admission.Reason.WAITED) + door.shed(Admission.Reason.QUEUE_FULL)).isZero();
    }

    @Test
    void concurrentClientsOnManyThreadsNeverHoldMoreThanTheLimitAndAllGetIn() throws Exception {
        Admission door = new Admission(vertx, 4);
        int calls = 400;
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        List<Future<Void>> all = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            Context c = vertx.getOrCreateContext();
            io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
            all.add(finished.future());
            c.runOnContext(v -> door.enter(c, LONG).onComplete(t -> {
                if (t.failed()) {
                    finished.fail(t.cause());
                    return;
                }
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                vertx.setTimer(1, id -> {
                    inside.decrementAndGet();
                    t.result().done(1_000_000);
                    finished.complete();
                });
            }));
        }
        Future.all(all).await(30, TimeUnit.SECONDS);
        assertThat(most.get()).isLessThanOrEqualTo(door.limit()).isPositive();
        assertThat(door.inFlight()).isZero();
    }
}
