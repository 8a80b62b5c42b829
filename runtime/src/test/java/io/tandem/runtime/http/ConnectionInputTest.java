package io.tandem.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lines and bytes out of a small buffer fed a few bytes at a time, as a slow peer sends them. */
class ConnectionInputTest {
    @Test
    void readsLinesThatSpanManyRefillsThenTheBytesAfterThem() throws IOException {
        var in = new ConnectionInput(trickle("GET /a-rather-long-target HTTP/1.1\r\nHost: x\nX-Empty:\r\n\r\nbody-bytes", 3), 8);
        assertThat(in.readLine(1000, 431, "line")).isEqualTo("GET /a-rather-long-target HTTP/1.1");
        assertThat(in.readLine(1000, 431, "line")).isEqualTo("Host: x");
        assertThat(in.readLine(1000, 431, "line")).isEqualTo("X-Empty:");
        assertThat(in.readLine(1000, 431, "line")).isEmpty();
        assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("body-bytes");
        assertThat(in.readLine(1000, 431, "line")).isNull();
    }

    @Test
    void refusesALineLongerThanItsLimitEvenAcrossRefills() {
        var in = new ConnectionInput(trickle("x".repeat(100) + "\r\n", 7), 16);
        assertThatThrownBy(() -> in.readLine(50, 431, "header line"))
                .isInstanceOfSatisfying(BadRequest.class, e -> assertThat(e.status()).isEqualTo(431));
    }

    @Test
    void aLineCutOffByTheEndOfTheStreamIsABadRequest() {
        var in = new ConnectionInput(trickle("GET / HT", 3), 8);
        assertThatThrownBy(() -> in.readLine(100, 414, "request line")).isInstanceOf(BadRequest.class).hasMessageContaining("closed inside");
    }

    /** At most {@code step} bytes per read. */
    private static InputStream trickle(String text, int step) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }
}
