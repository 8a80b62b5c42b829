package io.tandem.server;

import io.tandem.async.AsyncCalls;
import io.tandem.home.TandemHome;
import io.tandem.mqt.MessageQueueTriggers;
import io.tandem.packages.PackageStore;

/**
 * How {@code tandem server} runs. Ports may be 0 (any free port), as tests use them. {@code requestMetrics}: the
 * router records per-request meters for {@code /metrics} (default true; off only to measure what they cost).
 * {@code natsUrl}: where message queue triggers read NATS (default {@value MessageQueueTriggers#DEFAULT_NATS_URL});
 * the server starts and serves without it; async calls are kept there too. {@code allowPrivateCallbacks}: async
 * calls may name callback URLs on loopback, link-local and private addresses (default false, see
 * {@link io.tandem.async.CallbackGuard}). {@code async}: how async calls are retried and how many run at once.
 * {@code packageQuotaBytes}: how many bytes of code packages the controller keeps in all (default
 * {@value PackageStore#DEFAULT_QUOTA_BYTES}, 2 GiB); uploads past it are refused.
 */
public record ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics, String natsUrl,
                           boolean allowPrivateCallbacks, AsyncCalls.Settings async, long packageQuotaBytes) {
    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics, String natsUrl) {
        this(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, false, AsyncCalls.Settings.defaults(), PackageStore.DEFAULT_QUOTA_BYTES);
    }

    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes, boolean requestMetrics) {
        this(home, host, routerPort, apiPort, nodes, requestMetrics, MessageQueueTriggers.DEFAULT_NATS_URL);
    }

    public ServerConfig(TandemHome home, String host, int routerPort, int apiPort, int nodes) {
        this(home, host, routerPort, apiPort, nodes, true);
    }

    public static ServerConfig defaults(TandemHome home) {
        return new ServerConfig(home, "127.0.0.1", 8080, 8088, 2);
    }

    public ServerConfig withNatsUrl(String url) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, url, allowPrivateCallbacks, async, packageQuotaBytes);
    }

    public ServerConfig withPrivateCallbacks(boolean allowed) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowed, async, packageQuotaBytes);
    }

    public ServerConfig withAsync(AsyncCalls.Settings settings) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, settings, packageQuotaBytes);
    }

    public ServerConfig withPackageQuota(long bytes) {
        return new ServerConfig(home, host, routerPort, apiPort, nodes, requestMetrics, natsUrl, allowPrivateCallbacks, async, bytes);
    }
}
