package io.tandem.router;

import io.tandem.model.Endpoint;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An executor stand-in: answers each acquire with the next queued answer, or the last one again when the queue
 * holds only one; records every acquire, every cold call's end and every endpoint reported unreachable or suspected,
 * and can act on a report.
 */
final class FakeInstanceSource implements InstanceSource {
    private final Deque<CompletableFuture<Endpoint>> answers = new ArrayDeque<>();
    final AtomicInteger acquires = new AtomicInteger();
    final List<Endpoint> unreachable = new CopyOnWriteArrayList<>();
    final List<Endpoint> suspected = new CopyOnWriteArrayList<>();
    final List<String> traffic = new CopyOnWriteArrayList<>();
    final List<Endpoint> coldCallsEnded = new CopyOnWriteArrayList<>();
    /** What the executor does on a report, such as promoting a standby; called on the reporting thread. */
    volatile Consumer<Endpoint> onUnreachable = endpoint -> { };
    /** What the executor does on a suspicion, such as confirming the process is gone and promoting a standby. */
    volatile Consumer<Endpoint> onSuspect = endpoint -> { };

    @Override
    public void coldCallEnded(Endpoint endpoint) {
        coldCallsEnded.add(endpoint);
    }

    @Override
    public void recordTraffic(String function) {
        traffic.add(function);
    }

    synchronized FakeInstanceSource answer(Endpoint endpoint) {
        answers.add(CompletableFuture.completedFuture(endpoint));
        return this;
    }

    synchronized FakeInstanceSource answer(CompletableFuture<Endpoint> answer) {
        answers.add(answer);
        return this;
    }

    synchronized FakeInstanceSource fail(String message) {
        answers.add(CompletableFuture.failedFuture(new IllegalStateException(message)));
        return this;
    }

    @Override
    public synchronized CompletableFuture<Endpoint> acquire(String function) {
        acquires.incrementAndGet();
        if (answers.isEmpty()) return CompletableFuture.failedFuture(new IllegalStateException("no instance for " + function));
        return answers.size() > 1 ? answers.poll() : answers.peek();
    }

    @Override
    public void reportUnreachable(Endpoint endpoint) {
        unreachable.add(endpoint);
        onUnreachable.accept(endpoint);
    }

    @Override
    public void reportSuspect(Endpoint endpoint, String why) {
        suspected.add(endpoint);
        onSuspect.accept(endpoint);
    }
}
