package io.tandem.controller.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one stream of committed items (resource changes, or cluster events), each fed in order by a
 * delivery thread of its own, so a slow listener holds up no one else.
 *
 * <p>Thread-safe. {@link #subscribe} and {@link #publish} are called on the store's owner thread, which is what
 * makes a subscriber's backlog and the live items it then gets meet without gap or overlap; {@link #close} and a
 * handle's {@code close} may be called from any thread.
 */
final class Subscribers<T> {
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * Registers {@code listener}, first handing it {@code backlog} (what it missed), then every item published
     * later. Closing the returned handle stops delivery.
     */
    AutoCloseable subscribe(List<T> backlog, Consumer<T> listener) {
        Subscription sub = new Subscription(listener);
        backlog.forEach(sub::offer);
        subscriptions.add(sub);
        return sub;
    }

    /** Hands {@code items}, in order, to every subscriber. */
    void publish(List<T> items) {
        for (T item : items) {
            for (Subscription s : subscriptions) s.offer(item);
        }
    }

    /** Ends every subscription. */
    void close() {
        subscriptions.forEach(Subscription::close);
    }

    /** One subscriber: a queue drained in order by its own virtual thread. */
    private final class Subscription implements AutoCloseable {
        private final ExecutorService delivery = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("tandem-feed-", 0).factory());
        private final Consumer<T> listener;

        Subscription(Consumer<T> listener) {
            this.listener = listener;
        }

        void offer(T item) {
            try {
                delivery.execute(() -> {
                    try {
                        listener.accept(item);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(ResourceStore.class).warn("a store listener failed on {}", item, e);
                    }
                });
            } catch (RejectedExecutionException closed) {
                // unsubscribed
            }
        }

        @Override
        public void close() {
            subscriptions.remove(this);
            delivery.shutdownNow();
        }
    }
}
