package io.tandem.bench.paper;

import io.tandem.bench.paper.OpenLoop.Call;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis the guestbook writes to, seen from the benchmark: checked before a run starts (a clear error, not a
 * report full of 503s), read after each run to compare the list with what the clients were told, and cleaned of the
 * benchmark's keys at the end. Each benchmark's servers write to keys of their own ({@link #keyFor}), never to the
 * guestbook users see.
 */
final class GuestbookStore implements AutoCloseable {
    private final URI url;
    private final String prefix;
    private final RedisClient redis;

    private GuestbookStore(URI url, String prefix, RedisClient redis) {
        this.url = url;
        this.prefix = prefix;
        this.redis = redis;
    }

    /**
     * Connects and pings.
     *
     * @throws IllegalStateException when Redis does not answer, saying how to fix it
     */
    static GuestbookStore connect(URI url, String benchmarkId) {
        RedisClient redis = null;
        try {
            redis = RedisClient.create(url);
            String pong = redis.ping();
            if (!"PONG".equalsIgnoreCase(pong)) throw new IllegalStateException("answered '" + pong + "' to PING");
            return new GuestbookStore(url, "tandem-bench:" + benchmarkId + ":", redis);
        } catch (RuntimeException e) {
            if (redis != null) redis.close();
            throw new IllegalStateException("the guestbook needs Redis, and " + url + " is not reachable (" + rootMessage(e)
                    + "): start it (redis-server, or scripts/services.sh), pass --redis URL, or leave the guestbook out with --apps fibonacci", e);
        }
    }

    URI url() {
        return url;
    }

    /** The list the guestbook of the server for {@code group} writes to (its GUESTBOOK_KEY). */
    String keyFor(String group) {
        return prefix + group + ":messages";
    }

    /** Compares the messages of run {@code tag} in list {@code key} with the ADDs sent in {@code calls}. */
    RunResult.StoreCheck check(String key, String tag, List<Call> calls) {
        Map<String, Integer> stored = new HashMap<>();
        String mark = tag + " ";
        for (String message : redis.lrange(key, 0, -1)) {
            if (message.startsWith(mark)) stored.merge(message.substring(mark.length()), 1, Integer::sum);
        }
        Set<String> acknowledged = new HashSet<>();
        Set<String> sent = new HashSet<>();
        for (Call c : calls) {
            if (!c.op().equals("add")) continue;
            sent.add(c.id());
            if (c.ok()) acknowledged.add(c.id());
        }
        int lost = (int) acknowledged.stream().filter(id -> !stored.containsKey(id)).count();
        int duplicated = (int) stored.values().stream().filter(n -> n > 1).count();
        int unacknowledged = (int) stored.keySet().stream().filter(id -> sent.contains(id) && !acknowledged.contains(id)).count();
        return new RunResult.StoreCheck(acknowledged.size(), stored.values().stream().mapToInt(Integer::intValue).sum(), lost, duplicated, unacknowledged);
    }

    /** Deletes every key this benchmark wrote (the lists and the remembered request ids). */
    void clean() {
        ScanParams mine = new ScanParams().match(prefix + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, mine);
            if (!page.getResult().isEmpty()) redis.del(page.getResult().toArray(String[]::new));
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    @Override
    public void close() {
        redis.close();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
