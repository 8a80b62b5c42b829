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
 *
 * <p>An event loop asleep on its io_uring ring is counted by Linux as a task waiting for a disk, unless the ring is
 * entered with {@code IORING_ENTER_NO_IOWAIT} (Linux 6.15 and later). An idle server counted so showed its five event
 * loops as blocked tasks, 99 % of the CPU as iowait and a load average above 2.5 on an idle 2-core machine: what
 * monitoring reads as a machine stuck on its disk. So Netty is told to enter with it ({@value #NO_IOWAIT}), unless the
 * process was started with that property set either way; it changes what is counted, not how the loops wait.
 */
public final class EventLoops {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);
    static final String VARIABLE = "TANDEM_NATIVE_TRANSPORT";
    /**
     * Netty's switch for {@code IORING_ENTER_NO_IOWAIT}, read once, when io_uring is first looked at in the process
     * (Vert.x's {@link Transport} looks when it is loaded): so this class and its {@link Load} name transports, and
     * touch none, before the switch is set.
     */
    static final String NO_IOWAIT = "io.netty.iouring.enterNoIoWaitEnabled";

    static {
        if (System.getProperty(NO_IOWAIT) == null) System.setProperty(NO_IOWAIT, "true");
    }

    /** What a process's sockets mostly carry, which decides the transport it prefers. */
    public enum Load {
        /** Every function call, as the router's do: io_uring first. */
        CALLS("io_uring"),
        /** Control traffic (the agents', the controller's): epoll first, io_uring's rings not paid for. */
        CONTROL("epoll");

        /** A name, not a {@link Transport}: loading that class looks at io_uring (see {@link #NO_IOWAIT}). */
        private final String preferred;

        Load(String preferred) {
            this.preferred = preferred;
        }
    }

    /** Each transport falls back to the ones after it; NIO is always there. After the switch above is set. */
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
        if (choice.isEmpty() || choice.equals("true")) choice = load.preferred;
        Transport first = switch (choice) {
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
