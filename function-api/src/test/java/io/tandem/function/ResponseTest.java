package io.tandem.function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResponseTest {

    @Test
    void okCarriesUtf8TextWithItsContentType() {
        Response response = Response.ok("grüß dich");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers().first("content-type")).contains("text/plain; charset=utf-8");
        assertThat(response.bodyAsString()).isEqualTo("grüß dich");
    }

    @Test
    void jsonSetsTheJsonContentType() {
        assertThat(Response.json("{}").headers().first("Content-Type")).contains("application/json");
    }

    @Test
    void withMethodsReturnNewResponsesAndLeaveTheOriginalAlone() {
        Response base = Response.status(204);
        Response created = base.withStatus(201).withHeader("Location", "/a").withHeader("location", "/b").withBody("x");

        assertThat(base.status()).isEqualTo(204);
        assertThat(base.headers().asMap()).isEmpty();
        assertThat(base.bodyLength()).isZero();
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.headers().all("LOCATION")).containsExactly("/a", "/b");
        assertThat(created.bodyAsString()).isEqualTo("x");
    }

    @Test
    void rejectsStatusesOutsideHttp() {
        assertThatThrownBy(() -> Response.status(42)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("42");
    }

    @Test
    void contextReportsNoTimeLeftPastItsDeadline() {
        Context past = Context.of("f", "r1", Instant.now().minusSeconds(1));
        Context future = Context.of("f", "r2", Instant.now().plusSeconds(60));

        assertThat(past.remainingTime()).isEqualTo(Duration.ZERO);
        assertThat(future.remainingTime()).isGreaterThan(Duration.ofSeconds(50));
        assertThat(future.requestId()).isEqualTo("r2");
    }
}
