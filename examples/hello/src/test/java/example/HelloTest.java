package example;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.function.Context;
import io.tandem.function.Request;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HelloTest {
    private final Context context = Context.of("hello", "test", Instant.now().plusSeconds(60));

    @Test
    void greetsTheNameFromTheQuery() {
        assertThat(new Hello().handle(Request.builder().query("name=Ada").build(), context).bodyAsString()).isEqualTo("Hello, Ada!");
    }

    @Test
    void greetsTheWorldWithoutAName() {
        assertThat(new Hello().handle(Request.builder().build(), context).bodyAsString()).isEqualTo("Hello, world!");
    }
}
