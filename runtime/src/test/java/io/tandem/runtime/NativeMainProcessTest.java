package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The native exec host as the agent starts it: configured by its environment, its secret on standard input. */
class NativeMainProcessTest {

    @Test
    void genericInstanceBecomesHealthyOnItsPortAndStopsWithStatus0OnSigterm() throws InterruptedException {
        NativeHost host = NativeHost.start(Map.of());
        try {
            assertThat(host.instance().get("/_/health").statusCode()).isEqualTo(200);
            assertThat(host.instance().get("/x").statusCode()).isEqualTo(503);

            host.process().destroy();

            assertThat(host.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(host.process().exitValue()).isZero();
        } finally {
            host.close();
        }
    }

    @Test
    void exitsWith2OnAnotherRuntimeOrWithoutPortOrWithoutASecret() throws InterruptedException {
        assertExit2(NativeHost.launch(List.of("java"), Map.of(), "secret\n"), "usage: exec-host exec");
        assertExit2(NativeHost.launch(List.of(), Map.of(), "secret\n"), "usage: exec-host exec");
        assertExit2(NativeHost.launch(List.of("exec"), Map.of(), "secret\n"), "PORT is not set");
        assertExit2(NativeHost.launch(List.of("exec"), Map.of("PORT", "http"), "secret\n"), "PORT must be a port number, was 'http'");
        assertExit2(NativeHost.launch(List.of("exec"), Map.of("PORT", "0"), ""), "no instance secret on standard input");
        assertExit2(NativeHost.launch(List.of("exec"), Map.of("PORT", "0"), "\n"), "no instance secret on standard input");
    }

    private static void assertExit2(NativeHost host, String message) throws InterruptedException {
        try {
            assertThat(host.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(host.process().exitValue()).isEqualTo(2);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> String.join("\n", host.log()).contains(message));
        } finally {
            host.close();
        }
    }
}
