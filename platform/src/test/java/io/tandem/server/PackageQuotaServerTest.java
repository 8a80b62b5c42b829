package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code tandem server --package-quota} reaches the controller, which runs in a process of its own. */
class PackageQuotaServerTest {
    @Test
    void theControllerProcessRefusesUploadsPastTheServersQuota() throws Exception {
        try (RunningServer s = new RunningServer(0, c -> c.withPackageQuota(1 << 20))) {
            assertThat(upload(s, 600 << 10, 1).statusCode()).isEqualTo(201);

            HttpResponse<String> refused = upload(s, 600 << 10, 2);

            assertThat(refused.statusCode()).isEqualTo(507);
            assertThat(refused.body()).contains("quota is 1048576 bytes", "--package-quota");
        }
    }

    private static HttpResponse<String> upload(RunningServer s, int size, int seed) throws Exception {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.apiPort() + "/v1/packages"))
                .header("Authorization", "Bearer " + s.home.readToken())
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).build();
        return s.http.send(req, HttpResponse.BodyHandlers.ofString());
    }
}
