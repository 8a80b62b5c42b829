package io.tandem.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The instance obeys only who holds its secret: on the control line, on {@code /_/specialize} and on lease grants.
 * Run against the JVM host ({@link ControlLineTest}) and the native exec host ({@link NativeControlLineTest}).
 */
abstract class ControlLineContract {
    private TestInstance instance;
    private final List<Socket> sockets = new ArrayList<>();

    /** A generic exec instance with the secret {@link TestInstance#SECRET}. */
    protected abstract TestInstance startGeneric();

    @BeforeEach
    void start() {
        instance = startGeneric();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) s.close();
        instance.close();
    }

    private final class Line {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Line() throws IOException {
            socket = new Socket("127.0.0.1", instance.controlPort());
            sockets.add(socket);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
        }

        String say(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return in.readLine();
        }
    }

    @Test
    void theHealthAnswerAnnouncesTheControlPort() {
        assertThat(instance.get("/_/health").body()).contains("\"control\":" + instance.controlPort());
    }

    @Test
    void aWrongSecretIsDeniedAndTheLineCloses() throws IOException {
        Line line = new Line();
        assertThat(line.say("hello not-the-secret")).isEqualTo("denied");
        assertThat(line.in.readLine()).isNull();

        Line noHello = new Line();
        assertThat(noHello.say("lease 1 60000 " + System.currentTimeMillis())).isEqualTo("denied");
        assertThat(noHello.in.readLine()).isNull();
    }

    @Test
    void probesAndLeaseGrantsOnTheLineFenceInvocationsLikeHttpGrants() throws IOException {
        assertThat(instance.specialize("{\"function\":\"up\",\"command\":[\"tr\",\"a-z\",\"A-Z\"]}").statusCode()).isEqualTo(200);
        assertThat(instance.post("/", "abc", "X-Tandem-Epoch", "3").statusCode()).as("no lease yet").isEqualTo(503);

        Line line = new Line();
        assertThat(line.say("hello " + TestInstance.SECRET)).isEqualTo("ok");
        assertThat(line.say("probe")).isEqualTo("ok");
        assertThat(line.say("lease 3 60000 " + System.currentTimeMillis())).isEqualTo("ok");
        assertThat(instance.post("/", "abc", "X-Tandem-Epoch", "3").body()).isEqualTo("ABC");

        assertThat(line.say("lease 2 60000 " + System.currentTimeMillis())).isEqualTo("stale 3");
        assertThat(line.say("lease 3 sixty " + System.currentTimeMillis())).startsWith("bad ");
        assertThat(line.say("grant everything")).startsWith("bad ");
        // A grant read long after its issue (a frozen process waking up) renews nothing.
        assertThat(line.say("lease 4 60000 " + (System.currentTimeMillis() - 120_000))).isEqualTo("ok");
        assertThat(instance.post("/", "abc", "X-Tandem-Epoch", "4").statusCode()).isEqualTo(503);
        assertThat(instance.post("/", "abc", "X-Tandem-Epoch", "3").body()).isEqualTo("ABC");
    }

    @Test
    void specializeAndLeaseGrantsOverHttpNeedTheSecret() {
        var denied = instance.post("/_/specialize", "{\"function\":\"x\",\"command\":[\"id\"]}", "Content-Type", "application/json");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains(Secret.HEADER);
        assertThat(instance.get("/_/health").body()).doesNotContain("\"function\"");

        var wrong = instance.post("/_/specialize", "{\"function\":\"x\",\"command\":[\"id\"]}", "Content-Type", "application/json",
                Secret.HEADER, "guess");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(instance.get("/_/health?epoch=9223372036854775807&lease=60000").statusCode()).isEqualTo(403);
    }

    @Test
    void connectionsThatNeverSayHelloCannotTakeEveryThread() throws IOException {
        for (int i = 0; i < ControlLine.MAX_CONNECTIONS; i++) new Line();
        Line oneTooMany = new Line();
        String answer;
        try {
            answer = oneTooMany.say("hello " + TestInstance.SECRET);
        } catch (IOException reset) {
            answer = null;
        }
        assertThat(answer).as("every slot is taken: the line is closed at once").isNull();
        // The silent ones are closed after the hello timeout; then the platform's own connection is served again.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> "ok".equals(new Line().say("hello " + TestInstance.SECRET)));
    }
}
