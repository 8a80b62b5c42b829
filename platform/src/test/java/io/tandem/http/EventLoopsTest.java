package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class EventLoopsTest {
    @Test
    void onX86LinuxTheSocketsRunOnEpollAndServe() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"),
                "the native library is shipped for x86-64 Linux only");
        Vertx vertx = EventLoops.create();
        try {
            assertThat(vertx.isNativeTransportEnabled()).as("%s", vertx.unavailableNativeTransportCause()).isTrue();
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.response().end("pong " + r.path()))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            HttpClient client = vertx.createHttpClient();
            String body = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(server.actualPort()).setURI("/x"))
                    .compose(req -> req.send().compose(resp -> resp.body()))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
            assertThat(body).isEqualTo("pong /x");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
