package io.tandem.bench.paper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.bench.paper.OpenLoop.Call;
import io.tandem.http.FreePort;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** Against the real Redis on 127.0.0.1:6379 that scripts/test.sh starts. */
class GuestbookStoreTest {
    private static final URI REDIS = URI.create("redis://127.0.0.1:6379");
    private final String id = "test" + ProcessHandle.current().pid() + "x" + System.nanoTime();
    private GuestbookStore store;
    private RedisClient redis;

    @BeforeEach
    void connect() {
        store = GuestbookStore.connect(REDIS, id);
        redis = RedisClient.create(REDIS);
    }

    @AfterEach
    void close() {
        store.clean();
        store.close();
        redis.close();
    }

    private static Call add(String id, int status) {
        return new Call(0, id, "add", 0, 1, status, 1, null, null);
    }

    @Test
    void comparesTheListWithWhatTheClientsWereTold() {
        String key = store.keyFor("g1");
        // As the guestbook stores them: "<run tag> <request id>".
        redis.rpush(key, "r1 a", "r1 b", "r1 b", "r1 c", "r2 a", "unrelated");

        RunResult.StoreCheck check = store.check(key, "r1", List.of(add("a", 201), add("b", 201), add("c", 502), add("d", 200),
                new Call(1, "e", "get", 0, 1, 200, 1, null, null)));

        assertThat(check.acknowledged()).isEqualTo(3);    // a, b, d
        assertThat(check.lost()).isEqualTo(1);            // d was acknowledged but is not stored
        assertThat(check.duplicated()).isEqualTo(1);      // b is stored twice
        assertThat(check.unacknowledged()).isEqualTo(1);  // c ran, though its client got a 502
        assertThat(check.stored()).isEqualTo(4);
    }

    @Test
    void cleanDeletesOnlyTheBenchmarksKeys() {
        redis.rpush(store.keyFor("g1"), "r1 a");
        redis.set(store.keyFor("g1") + ":id:r1-0", "1");
        String other = "guestbook-store-test-other-" + id;
        redis.set(other, "kept");
        try {
            store.clean();

            assertThat(redis.exists(store.keyFor("g1"))).isFalse();
            assertThat(redis.exists(store.keyFor("g1") + ":id:r1-0")).isFalse();
            assertThat(redis.get(other)).isEqualTo("kept");
        } finally {
            redis.del(other);
        }
    }

    @Test
    void anUnreachableRedisIsAClearErrorNamingTheFix() throws Exception {
        int closed = FreePort.loopback();
        assertThatThrownBy(() -> GuestbookStore.connect(URI.create("redis://127.0.0.1:" + closed), "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("127.0.0.1:" + closed + " is not reachable")
                .hasMessageContaining("--redis")
                .hasMessageContaining("--apps fibonacci");
    }
}
