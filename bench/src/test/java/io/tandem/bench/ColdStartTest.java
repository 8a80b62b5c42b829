package io.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ColdStartTest {
    private static final String SCRAPE = """
            # TYPE tandem_function_cold_wait_seconds histogram
            tandem_function_cold_wait_seconds_sum{function="cold-java-1"} 0.0215
            tandem_function_cold_wait_seconds_sum{function="cold-java-10"} 9.0
            tandem_function_cold_start_duration_seconds_sum{function="cold-java-1",kind="specialize"} 0.014
            tandem_function_cold_start_duration_seconds_sum{function="cold-java-1",kind="launch"} 0.001
            """;

    @Test
    void readsAFunctionsSumInMillisecondsAcrossItsSeries() {
        assertThat(ColdStart.sumMillis(SCRAPE, "tandem_function_cold_wait_seconds_sum", "cold-java-1")).isCloseTo(21.5, within(1e-9));
        assertThat(ColdStart.sumMillis(SCRAPE, "tandem_function_cold_start_duration_seconds_sum", "cold-java-1")).isCloseTo(15.0, within(1e-9));
    }

    @Test
    void aFunctionWithoutASeriesHasNoFigure() {
        assertThat(ColdStart.sumMillis(SCRAPE, "tandem_function_cold_wait_seconds_sum", "cold-java-2")).isNaN();
    }
}
