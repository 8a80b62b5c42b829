package example.guestbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.function.Request;
import io.tandem.function.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Both guestbook functions against a real Redis ({@code REDIS_URL}, default 127.0.0.1:6379), on a list of their own. */
class GuestbookTest {
    Guestbook book;
    AddMessage add;
    ListMessages list;

    @BeforeEach
    void open() {
        String url = System.getenv().getOrDefault("REDIS_URL", Guestbook.DEFAULT_URL);
        book = new Guestbook(url, "guestbook-test:" + UUID.randomUUID());
        add = new AddMessage(book);
        list = new ListMessages(book);
    }

    @AfterEach
    void close() {
        book.clear();
        book.close();
    }

    private Response post(String id, String text) {
        Request.Builder b = Request.builder().method("POST").path("/").body(text);
        if (id != null) b.header(AddMessage.REQUEST_ID, id);
        return add.handle(b.build(), null);
    }

    private String get(String query) {
        Response r = list.handle(Request.builder().method("GET").path("/").query(query).build(), null);
        assertThat(r.status()).isEqualTo(200);
        return r.bodyAsString();
    }

    @Test
    void addsMessagesInOrderAndListsThemAsJson() {
        assertThat(post("a", "hello").status()).isEqualTo(201);
        Response second = post("b", "say \"hi\"\nthere");
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.bodyAsString()).isEqualTo("{\"messages\":2}");

        assertThat(get("")).isEqualTo("[\"hello\",\"say \\\"hi\\\"\\nthere\"]");
        assertThat(get("last=1")).isEqualTo("[\"say \\\"hi\\\"\\nthere\"]");
    }

    @Test
    void aRequestSentAgainWithItsIdIsStoredOnce() {
        assertThat(post("same", "once").status()).isEqualTo(201);
        Response again = post("same", "once");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.bodyAsString()).isEqualTo("{\"messages\":1}");
        assertThat(get("")).isEqualTo("[\"once\"]");
    }

    @Test
    void concurrentAddsAndTheirResendsStoreEachMessageOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "m" + i;
                // Each message twice, from different threads at about the same time, as a failover re-send would.
                statuses.add(pool.submit(() -> post(id, "message " + id).status()));
                statuses.add(pool.submit(() -> post(id, "message " + id).status()));
            }
            int created = 0;
            for (Future<Integer> s : statuses) {
                int status = s.get();
                assertThat(status).isIn(200, 201);
                if (status == 201) created++;
            }
            assertThat(created).isEqualTo(200);
        } finally {
            pool.shutdown();
        }
        assertThat(book.messages(0)).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void clearLeavesNothingBehind() {
        post("x", "one");
        post("y", "two");
        book.clear();
        assertThat(get("")).isEqualTo("[]");
        assertThat(post("x", "one").status()).as("the id is forgotten too").isEqualTo(201);
    }

    @Test
    void badInputIsRefusedAndStoresNothing() {
        assertThat(post("e", "   ").status()).isEqualTo(400);
        assertThat(post("big", "x".repeat(AddMessage.MAX_BYTES + 1)).status()).isEqualTo(413);
        Response noId = post(null, "hi");
        assertThat(noId.status()).isEqualTo(400);
        assertThat(noId.bodyAsString()).contains(AddMessage.REQUEST_ID);
        Response badLast = list.handle(Request.builder().method("GET").path("/").query("last=x").build(), null);
        assertThat(badLast.status()).isEqualTo(400);
        assertThat(get("")).isEqualTo("[]");
    }

    @Test
    void anUnreachableStoreAnswers503SayingSo() {
        Guestbook nowhere = new Guestbook("redis://127.0.0.1:1", "guestbook-test:none");
        try {
            Response r = new AddMessage(nowhere).handle(Request.builder().method("POST").path("/").body("hi")
                    .header(AddMessage.REQUEST_ID, "x").build(), null);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.bodyAsString()).contains("guestbook store unavailable");
        } finally {
            nowhere.close();
        }
    }
}
