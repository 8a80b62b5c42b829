package io.tandem.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.executor.ProcessStates.State;
import org.junit.jupiter.api.Test;

class ProcessStatesTest {
    @Test
    void readsTheStateLetterAfterACommandNameWithSpacesAndParentheses() {
        assertThat(ProcessStates.parseStat("42 (my (odd) cmd) S 1 42 42 0")).isEqualTo(State.RUNNING);
        assertThat(ProcessStates.parseStat("42 (java) T 1 42 42 0")).isEqualTo(State.STOPPED);
        assertThat(ProcessStates.parseStat("42 (java) Z 1 42 42 0")).isEqualTo(State.GONE);
        assertThat(ProcessStates.parseStat("garbage")).isEqualTo(State.UNKNOWN);
    }

    @Test
    void seesARealProcessRunStopAndGo() throws Exception {
        ProcessStates states = ProcessStates.proc();
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(states.of(sleeper.pid())).isEqualTo(State.RUNNING);
            new ProcessBuilder("kill", "-STOP", Long.toString(sleeper.pid())).start().waitFor();
            await().until(() -> states.of(sleeper.pid()) == State.STOPPED);
            new ProcessBuilder("kill", "-CONT", Long.toString(sleeper.pid())).start().waitFor();
            await().until(() -> states.of(sleeper.pid()) == State.RUNNING);
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        assertThat(states.of(sleeper.pid())).isEqualTo(State.GONE);
    }
}
