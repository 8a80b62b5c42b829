package io.tandem.async;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which callback URLs the server may POST an async call's result to. The server makes that request itself, so a
 * caller must not be able to aim it at what only the server can reach (server-side request forgery): by default
 * a URL whose host resolves to a loopback, link-local (cloud metadata lives at 169.254.169.254), private
 * (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), multicast or unspecified address is refused, and so is
 * Tandem's own control plane (its API, router and executor addresses) whatever the operator allows. An operator
 * whose receivers are on a private network turns on {@code allowPrivate}.
 *
 * <p>The address is checked when the call is accepted and again, freshly resolved, just before each callback is
 * sent; {@link #check} returns the address it checked and the callback connects to exactly that one, never resolving
 * the name again, so a name that changes its answer after the check (DNS rebinding) cannot lead the request
 * elsewhere. IPv6 addresses that embed an IPv4 one (mapped {@code ::ffff:0:0/96}, NAT64 {@code 64:ff9b::/96}, 6to4
 * {@code 2002::/16}) are judged by the IPv4 address inside. Immutable and thread-safe.
 */
public final class CallbackGuard {
    /** Why a URL is refused, in words for the caller, with how to fix it. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Every address a host name has. Thread-safe. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;

        /** The JDK's resolver, as the operating system configures it. */
        static Resolver system() {
            return host -> List.of(InetAddress.getAllByName(host));
        }
    }

    private final boolean allowPrivate;
    private final Set<InetSocketAddress> controlPlane;
    private final Resolver resolver;

    public CallbackGuard(boolean allowPrivate, Set<InetSocketAddress> controlPlane) {
        this(allowPrivate, controlPlane, Resolver.system());
    }

    public CallbackGuard(boolean allowPrivate, Set<InetSocketAddress> controlPlane, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.controlPlane = Set.copyOf(controlPlane);
        this.resolver = resolver;
    }

    /**
     * The address to connect to for {@code url}, resolved once now, after every rule held; throws {@link Refused}
     * saying which did not. The caller connects to this address and does not resolve the host again.
     */
    public InetSocketAddress check(String url) throws Refused {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new Refused("X-Callback-Url '" + url + "' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("X-Callback-Url '" + url + "' must be an http:// or https:// URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new Refused("X-Callback-Url '" + url + "' needs a host and no user:password@ part");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        InetAddress address;
        try {
            List<InetAddress> all = resolver.resolve(uri.getHost());
            if (all.isEmpty()) throw new UnknownHostException(uri.getHost());
            // Every address the name has must pass: a later lookup may put any of them first.
            for (InetAddress a : all) refuseIfForbidden(url, a, port);
            address = all.getFirst();
        } catch (UnknownHostException e) {
            throw new Refused("X-Callback-Url '" + url + "': the host " + uri.getHost() + " does not resolve");
        }
        return new InetSocketAddress(address, port);
    }

    private void refuseIfForbidden(String url, InetAddress a, int port) throws Refused {
        for (InetSocketAddress own : controlPlane) {
            if (own.getPort() == port && (own.getAddress().equals(a) || (own.getAddress().isAnyLocalAddress() && isLocal(a)))) {
                throw new Refused("X-Callback-Url '" + url + "' points at Tandem's own control plane (" + a.getHostAddress() + ":" + port
                        + "): give the address of your own receiver");
            }
        }
        if (allowPrivate) return;
        String kind = forbiddenKind(a);
        if (kind != null) {
            throw new Refused("X-Callback-Url '" + url + "' resolves to " + a.getHostAddress() + ", a " + kind
                    + " address, which the server does not call unless its operator allows it (tandem server --allow-private-callbacks)");
        }
    }

    private static boolean isLocal(InetAddress a) {
        return a.isLoopbackAddress() || a.isAnyLocalAddress();
    }

    /** What kind of forbidden address {@code a} is, or null when it is a public one. */
    static String forbiddenKind(InetAddress a) {
        if (a.isLoopbackAddress()) return "loopback";
        if (a.isAnyLocalAddress()) return "unspecified";
        if (a.isLinkLocalAddress()) return "link-local";
        if (a.isMulticastAddress()) return "multicast";
        if (a.isSiteLocalAddress()) return "private";
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 100 && second >= 64 && second < 128) return "shared (carrier-grade NAT)";
            if (first == 0 || first >= 240) return "reserved";
            if (first == 198 && (second == 18 || second == 19)) return "benchmarking (198.18.0.0/15)";
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) return "private (unique local)";
            if (isMappedV4(b) || isNat64(b)) return embedded(b[12], b[13], b[14], b[15]);
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) return embedded(b[2], b[3], b[4], b[5]); // 6to4
        }
        return null;
    }

    /** The kind of the IPv4 address an IPv6 one embeds, named as such; null when that one is public. */
    private static String embedded(byte a, byte b, byte c, byte d) {
        try {
            String kind = forbiddenKind(InetAddress.getByAddress(new byte[] {a, b, c, d}));
            return kind == null ? null : kind + " IPv4 (embedded in IPv6)";
        } catch (UnknownHostException impossible) {
            return "reserved";
        }
    }

    /** {@code 64:ff9b::/96}, the well-known NAT64 prefix (RFC 6052). */
    private static boolean isNat64(byte[] b) {
        if ((b[0] & 0xff) != 0x00 || (b[1] & 0xff) != 0x64 || (b[2] & 0xff) != 0xff || (b[3] & 0xff) != 0x9b) return false;
        for (int i = 4; i < 12; i++) if (b[i] != 0) return false;
        return true;
    }

    private static boolean isMappedV4(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
