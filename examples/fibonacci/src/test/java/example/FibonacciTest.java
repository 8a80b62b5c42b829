package example;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.function.Context;
import io.tandem.function.Request;
import io.tandem.function.Response;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FibonacciTest {
    private final Context context = Context.of("fibonacci", "test", Instant.now().plusSeconds(60));

    private Response call(String query) {
        return new Fibonacci().handle(Request.builder().query(query).build(), context);
    }

    @Test
    void computesFibOfTheQueriedN() {
        Response response = call("n=10");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyAsString()).isEqualTo("{\"n\":10,\"fib\":55}");
    }

    @Test
    void defaultsTo25() {
        assertThat(call(null).bodyAsString()).isEqualTo("{\"n\":25,\"fib\":75025}");
    }

    @Test
    void refusesNOutOfBoundsOrNotANumber() {
        assertThat(call("n=41").status()).isEqualTo(400);
        assertThat(call("n=-1").status()).isEqualTo(400);
        Response notANumber = call("n=%22x");
        assertThat(notANumber.status()).isEqualTo(400);
        assertThat(notANumber.bodyAsString()).contains("was '\\\"x'");
    }
}
