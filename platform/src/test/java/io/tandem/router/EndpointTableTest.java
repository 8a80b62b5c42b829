package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EndpointTableTest {
    private final Vertx vertx = Vertx.vertx();
    private final EndpointTable table = new EndpointTable();
    private final Endpoint old = new Endpoint("f", "i1", "n1", "127.0.0.1", 1001, 1);
    private final Endpoint promoted = new Endpoint("f", "i2", "n2", "127.0.0.1", 1002, 2);

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void aWaiterGetsTheNextPublishOnItsOwnContext() {
        Context context = vertx.getOrCreateContext();
        Promise<List<Endpoint>> next = Promise.promise();
        AtomicReference<Context> completedOn = new AtomicReference<>();
        next.future().onComplete(done -> completedOn.set(Vertx.currentContext()));
        table.publish("f", List.of(old));

        table.awaitEndpoints("f", Set.of(old), context, next);
        table.publish("f", List.of(old)); // the failed endpoint again is no news
        assertThat(table.waiting("f")).isEqualTo(1);
        Thread executor = Thread.ofPlatform().start(() -> table.publish("f", List.of(promoted)));

        await().until(() -> next.future().isComplete());
        assertThat(next.future().result()).containsExactly(promoted);
        assertThat(completedOn.get()).isSameAs(context);
        assertThat(table.waiting("f")).isZero();
        assertThat(executor.isAlive()).isFalse();
    }

    @Test
    void aWaiterIsAnsweredAtOnceWhenTheTableAlreadyHoldsAnotherEndpoint() {
        table.publish("f", List.of(promoted));
        Promise<List<Endpoint>> next = Promise.promise();

        table.awaitEndpoints("f", Set.of(old), vertx.getOrCreateContext(), next);

        await().until(() -> next.future().isComplete());
        assertThat(next.future().result()).containsExactly(promoted);
        assertThat(table.waiting("f")).isZero();
    }

    @Test
    void aStoppedWaiterIsForgottenAndNeverCompleted() {
        Promise<List<Endpoint>> next = Promise.promise();
        Runnable stop = table.awaitEndpoints("f", Set.of(old), vertx.getOrCreateContext(), next);

        stop.run();
        table.publish("f", List.of(promoted));

        assertThat(table.waiting("f")).isZero();
        assertThat(next.future().isComplete()).isFalse();
    }
}
