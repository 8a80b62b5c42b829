package example.guestbook;

import java.net.URI;
import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The guestbook's store: messages in a Redis list, shared by the two functions ({@link AddMessage},
 * {@link ListMessages}) as the active-standby paper's Guestbook application keeps them. Redis is found at
 * {@code REDIS_URL} (default {@code redis://127.0.0.1:6379}); the list is {@code GUESTBOOK_KEY} (default
 * {@code guestbook:messages}). Thread-safe: the client pools its connections.
 */
final class Guestbook {
    static final String DEFAULT_URL = "redis://127.0.0.1:6379";
    static final String DEFAULT_KEY = "guestbook:messages";
    /** How long the id of an added message is remembered, so that a re-sent add is not stored twice. */
    static final long REMEMBER_IDS_SECONDS = 24 * 3600;

    /**
     * Appends the message unless one with the same id was appended before (within a day), in one step on the server.
     * Returns the list's length, or -1 for a repeat.
     */
    private static final String ADD_ONCE = """
            if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
              return redis.call('RPUSH', KEYS[1], ARGV[1])
            end
            return -1
            """;

    private final RedisClient redis;
    private final String key;

    Guestbook(String url, String key) {
        this.redis = RedisClient.create(URI.create(url));
        this.key = key;
    }

    static Guestbook fromEnvironment() {
        return new Guestbook(env("REDIS_URL", DEFAULT_URL), env("GUESTBOOK_KEY", DEFAULT_KEY));
    }

    /** Adds {@code text} as the message {@code id}; a second add of the same id changes nothing. */
    Added add(String id, String text) {
        Object length = redis.eval(ADD_ONCE, List.of(key, key + ":id:" + id), List.of(text, Long.toString(REMEMBER_IDS_SECONDS)));
        long n = ((Number) length).longValue();
        return n < 0 ? new Added(false, redis.llen(key)) : new Added(true, n);
    }

    /** The newest {@code last} messages, oldest first (all of them when {@code last} is 0). */
    List<String> messages(int last) {
        return last > 0 ? redis.lrange(key, -last, -1) : redis.lrange(key, 0, -1);
    }

    /** Deletes the messages and the remembered ids. */
    void clear() {
        redis.del(key);
        ScanParams ids = new ScanParams().match(key + ":id:*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, ids);
            if (!page.getResult().isEmpty()) redis.del(page.getResult().toArray(String[]::new));
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    void close() {
        redis.close();
    }

    record Added(boolean stored, long messages) {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
