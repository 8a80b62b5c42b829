package io.tandem.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance of a Tandem process, and the kernel interface its sockets go through: Linux's io_uring or epoll
 * (both Netty's native transports, shipped for x86-64 Linux), or Java's NIO selector, the first of those the machine
 * allows in the order the process's {@link Load} gives.
 *
 * <p>io_uring takes an event loop's reads and writes for all its sockets in one system call per wake-up, where epoll
 * makes one per read and per write: on the router's hop the server spent a fifth less CPU per call on io_uring (33
 * against 42 µs, docs/benchmarks.md). Its rings cost memory, 11 to 19 MiB per process, which the router's calls pay
 * back and the agents' and controller's control traffic does not; so io_uring is the server's first choice and the
 * others start on epoll. A kernel that refuses io_uring (turned off by {@code kernel.io_uring_disabled}, or filtered
 * out by a container's seccomp profile) gets epoll, with a line in the log saying why.
 *
 * <p>{@code TANDEM_NATIVE_TRANSPORT} in a role's environment picks one for every process: {@code io_uring},
 * {@code epoll}, or {@code nio} ({@code false} too) to rule the native libraries out or to compare. Any other value
 * stops the role with the choices.
 */
public final class EventLoops {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);
    static final String VARIABLE = "TANDEM_NATIVE_TRANSPORT";

    /** What a process's sockets mostly carry, which decides the transport it prefers. */
    public enum Load {
        /** Every function call, as the router's do: io_uring first. */
        CALLS(Transport.IO_URING),
        /** Control traffic (the agents', the controller's): epoll first, io_uring's rings not paid for. */
        CONTROL(Transport.EPOLL);

        private final Transport preferred;

        Load(Transport preferred) {
            this.preferred = preferred;
        }
    }

    /** Each transport falls back to the ones after it; NIO is always there. */
    private static final List<Transport> FALLBACKS = List.of(Transport.IO_URING, Transport.EPOLL, Transport.NIO);

    private EventLoops() {
    }

    /** A new Vert.x with the defaults, on the transport the environment picks or {@code load} prefers. */
    public static Vertx create(Load load) {
        return create(new VertxOptions(), transport(load, System.getenv()));
    }

    static Vertx create(VertxOptions options, Transport transport) {
        return Vertx.builder().with(options).withTransport(transport).build();
    }

    /** The transport {@code env} picks, or the first {@code load} prefers that the machine allows; a picked one it lacks falls back too. */
    static Transport transport(Load load, Map<String, String> env) {
        String choice = env.getOrDefault(VARIABLE, "").trim().toLowerCase(Locale.ROOT);
        Transport first = switch (choice) {
            case "", "true" -> load.preferred;
            case "io_uring" -> Transport.IO_URING;
            case "epoll" -> Transport.EPOLL;
            case "nio", "false" -> Transport.NIO;
            default -> throw new IllegalArgumentException(VARIABLE + "=" + env.get(VARIABLE)
                    + " is not a transport: use io_uring, epoll or nio, or leave it unset for the best this machine allows");
        };
        for (Transport t : FALLBACKS.subList(FALLBACKS.indexOf(first), FALLBACKS.size() - 1)) {
            if (t.available()) return t;
            log.info("sockets not on {}: not available here ({})", t.name(), String.valueOf(t.unavailabilityCause()));
        }
        return Transport.NIO;
    }
}
