package io.tandem.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SubscribersTest {
    @Test
    void deliversTheBacklogThenWhatIsPublishedInOrder() {
        Subscribers<Integer> subscribers = new Subscribers<>();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        subscribers.subscribe(List.of(1, 2), seen::add);
        subscribers.publish(List.of(3, 4));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 4);
        assertThat(seen).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aClosedSubscriptionGetsNothingMoreAndAFailingListenerStopsNoOne() throws Exception {
        Subscribers<String> subscribers = new Subscribers<>();
        List<String> closed = new CopyOnWriteArrayList<>();
        List<String> open = new CopyOnWriteArrayList<>();
        AutoCloseable handle = subscribers.subscribe(List.of(), closed::add);
        subscribers.subscribe(List.of(), s -> {
            if (s.equals("boom")) throw new IllegalStateException("listener failed");
            open.add(s);
        });
        subscribers.publish(List.of("a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.size() == 1 && open.size() == 1);
        handle.close();
        subscribers.publish(List.of("boom", "b"));
        await().atMost(Duration.ofSeconds(10)).until(() -> open.size() == 2);
        assertThat(closed).containsExactly("a");
        assertThat(open).containsExactly("a", "b");
    }
}
