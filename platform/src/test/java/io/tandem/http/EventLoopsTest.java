package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.http.EventLoops.Load;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventLoopsTest {
    private static boolean x86Linux() {
        return System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64");
    }

    @Test
    void unsetTheRouterTakesTheBestTransportTheMachineAllowsAndControlTrafficEpoll() {
        Assumptions.assumeTrue(x86Linux(), "the native libraries are shipped for x86-64 Linux only");
        Transport best = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL;
        assertThat(EventLoops.transport(Load.CALLS, Map.of())).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "true"))).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CONTROL, Map.of())).as("control traffic does not pay for io_uring's rings").isEqualTo(Transport.EPOLL);
        assertThat(EventLoops.transport(Load.CONTROL, Map.of(EventLoops.VARIABLE, "io_uring"))).isEqualTo(best);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "epoll"))).isEqualTo(Transport.EPOLL);
    }

    @Test
    void nioIsAlwaysThere() {
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "nio"))).isEqualTo(Transport.NIO);
        assertThat(EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "false"))).isEqualTo(Transport.NIO);
    }

    @Test
    void anUnknownTransportIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, "kqueue-please")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TANDEM_NATIVE_TRANSPORT=kqueue-please").hasMessageContaining("io_uring, epoll or nio");
    }

    /** Each transport, where the machine has it, serves and makes HTTP calls, as the router does on it. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void eachTransportServes(String name) throws Exception {
        Transport transport = EventLoops.transport(Load.CALLS, Map.of(EventLoops.VARIABLE, name));
        Assumptions.assumeTrue(transport.name().equalsIgnoreCase(name), name + " is not available here");
        Vertx vertx = EventLoops.create(new VertxOptions(), transport);
        try {
            assertThat(vertx.isNativeTransportEnabled()).isEqualTo(transport != Transport.NIO);
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> r.response().end("pong " + r.path() + " " + b.length())))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            HttpClient client = vertx.createHttpClient();
            String large = "x".repeat(1 << 20);
            for (String body : new String[]{"", large}) {
                String answer = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(server.actualPort()).setURI("/x"))
                        .compose(req -> req.send(body).compose(resp -> resp.body()))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
                assertThat(answer).isEqualTo("pong /x " + body.length());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
