package io.tandem.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance of a Tandem process, on Linux's epoll where the native library loads (Netty's, shipped for
 * x86-64 Linux) and on Java's NIO selector elsewhere. epoll serves the same sockets with fewer system calls and
 * copies per request: measured on the router's hop, see docs/benchmarks.md. {@code TANDEM_NATIVE_TRANSPORT=false}
 * in the environment keeps NIO (to rule the native library out, or to compare).
 */
public final class EventLoops {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);

    private EventLoops() {
    }

    /** A new Vert.x with the defaults and the native transport preferred. */
    public static Vertx create() {
        return create(new VertxOptions());
    }

    /** A new Vert.x with {@code options} and the native transport preferred. */
    public static Vertx create(VertxOptions options) {
        boolean prefer = !"false".equalsIgnoreCase(System.getenv("TANDEM_NATIVE_TRANSPORT"));
        Vertx vertx = Vertx.vertx(options.setPreferNativeTransport(prefer));
        if (prefer && !vertx.isNativeTransportEnabled()) {
            log.info("sockets on Java's NIO: the native transport is not available here ({})", vertx.unavailableNativeTransportCause());
        }
        return vertx;
    }
}
