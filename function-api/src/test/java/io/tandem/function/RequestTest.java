package io.tandem.function;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestTest {

    @Test
    void decodesQueryParametersKeepingEveryValue() {
        Request request = Request.builder().query("name=J%C3%BCrgen+M&tag=a&tag=b&flag").build();

        assertThat(request.queryParameter("name")).contains("Jürgen M");
        assertThat(request.queryParameters("tag")).containsExactly("a", "b");
        assertThat(request.queryParameter("flag")).contains("");
        assertThat(request.queryParameter("missing")).isEmpty();
        assertThat(request.query()).isEqualTo("name=J%C3%BCrgen+M&tag=a&tag=b&flag");
    }

    @Test
    void toleratesMalformedPercentEncoding() {
        Request request = Request.builder().query("q=100%").build();

        assertThat(request.queryParameter("q")).contains("100%");
    }

    @Test
    void looksUpHeadersWhateverTheirCase() {
        Request request = Request.builder()
                .header("X-Trace", "1").header("x-trace", "2").header("Content-Type", "text/plain").build();

        assertThat(request.header("content-type")).contains("text/plain");
        assertThat(request.headers().all("X-TRACE")).containsExactly("1", "2");
        assertThat(request.header("Accept")).isEmpty();
    }

    @Test
    void exposesTheBodyAsBytesAndUtf8Text() {
        Request request = Request.builder().method("POST").path("/items").body("héllo").build();

        assertThat(request.bodyAsString()).isEqualTo("héllo");
        assertThat(request.body()).hasSize(6);
        request.body()[0] = 'X';
        assertThat(request.bodyAsString()).isEqualTo("héllo");
    }

    @Test
    void defaultsToAnEmptyGetOfTheRoot() {
        Request request = Request.builder().build();

        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/");
        assertThat(request.query()).isEmpty();
        assertThat(request.queryParameters()).isEmpty();
        assertThat(request.body()).isEmpty();
    }

    @Test
    void mergesHeaderNamesThatDifferOnlyInCase() {
        Headers headers = Headers.of(Map.of("Accept", List.of("a"), "accept", List.of("b")));

        assertThat(headers.all("ACCEPT")).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void concurrentReadersOfOneRequestSeeTheSameQueryParameters() throws Exception {
        var threads = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 200; round++) {
                Request request = Request.builder().query("a=1&b=x%20y&a=2").build();
                var readers = new java.util.ArrayList<java.util.concurrent.Callable<Map<String, List<String>>>>();
                for (int i = 0; i < 8; i++) readers.add(request::queryParameters);
                for (var read : threads.invokeAll(readers)) {
                    assertThat(read.get()).containsExactly(Map.entry("a", List.of("1", "2")), Map.entry("b", List.of("x y")));
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void queryParametersCannotBeChanged() {
        Request request = Request.builder().query("a=1").build();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> request.queryParameters().put("b", List.of()))
                .isInstanceOf(UnsupportedOperationException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> request.queryParameters("a").add("2"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
