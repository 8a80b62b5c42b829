package io.tandem.function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void pairsAreLookedUpWhateverTheCaseWithEveryValueInOrder() {
        Headers headers = Headers.ofPairs("X-Trace", "1", "Accept", "a", "x-trace", "2", "X-TRACE", "3");

        assertThat(headers.first("x-TRACE")).contains("1");
        assertThat(headers.all("X-Trace")).containsExactly("1", "2", "3");
        assertThat(headers.all("accept")).containsExactly("a");
        assertThat(headers.contains("ACCEPT")).isTrue();
        assertThat(headers.contains("Host")).isFalse();
        assertThat(headers.first("Host")).isEmpty();
        assertThat(headers.all("Host")).isEmpty();
    }

    @Test
    void pairsAsAMapMergeNamesUnderTheFirstCaseReceivedAndCannotBeChanged() {
        Headers headers = Headers.ofPairs("X-Trace", "1", "Accept", "a", "x-trace", "2");
        Map<String, List<String>> map = headers.asMap();

        assertThat(map).containsOnlyKeys("Accept", "X-Trace");
        assertThat(map.keySet()).containsExactly("Accept", "X-Trace");
        assertThat(map.get("X-TRACE")).containsExactly("1", "2");
        assertThatThrownBy(() -> map.put("Host", List.of("h"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> map.get("Accept").add("b")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> headers.all("x-trace").add("3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void pairsAreCopiedSoTheCallersArrayCannotChangeThem() {
        String[] pairs = {"Accept", "a"};
        Headers headers = Headers.ofPairs(pairs);
        pairs[1] = "changed";

        assertThat(headers.first("Accept")).contains("a");
    }

    @Test
    void pairsEqualTheSameHeadersMadeFromAMap() {
        Headers fromPairs = Headers.ofPairs("Accept", "a", "X-Trace", "1", "accept", "b");
        Headers fromMap = Headers.of(Map.of("Accept", List.of("a", "b"), "X-Trace", List.of("1")));

        assertThat(fromPairs).isEqualTo(fromMap).hasSameHashCodeAs(fromMap);
        assertThat(fromPairs).isEqualTo(Headers.of(Map.of("ACCEPT", List.of("a", "b"), "x-trace", List.of("1"))));
        assertThat(fromPairs.plus("X-Other", "o")).isEqualTo(fromMap.plus("x-other", "o"));
        assertThat(Headers.ofPairs()).isEqualTo(Headers.empty());
    }

    @Test
    void forEachGivesEveryValueInTheOrderAdded() {
        Headers headers = Headers.ofPairs("B", "1", "a", "2").plus("b", "3");
        List<String> seen = new ArrayList<>();

        headers.forEach((name, value) -> seen.add(name + "=" + value));

        assertThat(seen).containsExactly("B=1", "a=2", "b=3");
    }

    @Test
    void refusesPairsThatAreNotPairsOrHaveNoName() {
        assertThatThrownBy(() -> Headers.ofPairs("Accept")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("odd");
        assertThatThrownBy(() -> Headers.ofPairs(" ", "a")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> Headers.ofPairs(null, "a")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> Headers.ofPairs("Accept", null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null value");
    }

    @Test
    void concurrentReadersOfOneHeadersSeeTheSameMap() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 200; round++) {
                Headers headers = Headers.ofPairs("A", "1", "b", "2", "a", "3");
                List<Callable<Map<String, List<String>>>> readers = new ArrayList<>();
                for (int i = 0; i < 8; i++) readers.add(headers::asMap);
                for (Future<Map<String, List<String>>> read : threads.invokeAll(readers)) {
                    assertThat(read.get()).isEqualTo(Map.of("A", List.of("1", "3"), "b", List.of("2")));
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
