package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Endpoint;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ColdStartsTest {
    private final FakeInstanceSource source = new FakeInstanceSource();
    private final ColdStarts coldStarts = new ColdStarts(source);
    private final Endpoint endpoint = new Endpoint("f", "i1", "n1", "127.0.0.1", 9, 0);

    @Test
    void concurrentRequestsShareOneAcquire() {
        CompletableFuture<Endpoint> launching = new CompletableFuture<>();
        source.answer(launching);

        CompletableFuture<Endpoint> first = coldStarts.acquire("f");
        CompletableFuture<Endpoint> second = coldStarts.acquire("f");
        launching.complete(endpoint);

        assertThat(first.join()).isEqualTo(endpoint);
        assertThat(second.join()).isEqualTo(endpoint);
        assertThat(source.acquires).hasValue(1);
    }

    @Test
    void asksAgainAfterAFailedAcquire() {
        source.fail("code failed to load").answer(endpoint);

        assertThat(coldStarts.acquire("f")).isCompletedExceptionally();
        assertThat(coldStarts.acquire("f").join()).isEqualTo(endpoint);
        assertThat(source.acquires).hasValue(2);
    }
}
