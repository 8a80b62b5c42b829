package io.tandem.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelsTest {
    @Test
    void knownMethodsKeepTheirNameAndEveryOtherFoldsIntoOne() {
        assertThat(Labels.method("GET")).isEqualTo("GET");
        assertThat(Labels.method("PATCH")).isEqualTo("PATCH");
        assertThat(Labels.method("PROPFIND")).isEqualTo("OTHER");
        assertThat(Labels.method("get")).isEqualTo("OTHER");
        assertThat(Labels.method("X-" + System.nanoTime())).isEqualTo("OTHER");
    }

    @Test
    void statusCodesOutsideHttpsRangeShareOneLabel() {
        assertThat(Labels.code(200)).isEqualTo("200");
        assertThat(Labels.code(599)).isEqualTo("599");
        assertThat(Labels.code(600)).isEqualTo("other");
        assertThat(Labels.code(99)).isEqualTo("other");
        assertThat(Labels.code(-1)).isEqualTo("other");
    }

    @Test
    void aCodeLabelIsTheSameStringEachTimeSoRecordingAllocatesNone() {
        assertThat(Labels.code(404)).isSameAs(Labels.code(404));
    }

    @Test
    void aFreshRegistryScrapesInThePrometheusTextFormatWithTheJvmsMeters() {
        Metrics metrics = Metrics.create();
        String text = metrics.scrape();
        assertThat(text).contains("# TYPE jvm_memory_used_bytes gauge", "process_uptime_seconds", "# TYPE process_cpu_seconds_total counter");
    }

    @Test
    void refreshersRunBeforeEachScrape() {
        Metrics metrics = Metrics.create();
        int[] runs = {0};
        metrics.beforeScrape(() -> runs[0]++);
        metrics.scrape();
        metrics.scrape();
        assertThat(runs[0]).isEqualTo(2);
    }
}
