package io.tandem.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Requests sent on a fixed schedule whatever the answers (open loop, as real clients arrive), each on its own
 * connection's turn from the JDK client's pool; every outcome is kept: status, Retry-After, latency, error.
 * Also measures capacity with a closed loop. Thread-safe; the schedule runs on one thread, answers on the client's.
 */
final class OpenLoopLoad {
    /** One request's outcome: status 0 when no answer came (the error says why). */
    record Outcome(long sentAtNanos, int status, boolean retryAfter, long latencyNanos, String error) {
        boolean shed() {
            return (status == 429 || status == 503) && retryAfter;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final List<CompletableFuture<Void>> pending = new ArrayList<>();

    private HttpRequest request(URI target) {
        return HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("load")).build();
    }

    /** Calls per second that {@code clients} back-to-back clients get through in {@code length}: the capacity seen. */
    double closedLoop(URI target, int clients, Duration length) throws InterruptedException {
        long end = System.nanoTime() + length.toNanos();
        long[] done = new long[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int me = c;
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    try {
                        if (http.send(request(target), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) done[me]++;
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        long total = 0;
        for (long d : done) total += d;
        return total / (length.toMillis() / 1000.0);
    }

    /** Sends {@code rate} requests a second for {@code length}, returns when every one has its outcome. */
    List<Outcome> run(URI target, double rate, Duration length) throws InterruptedException {
        long count = (long) (rate * length.toMillis() / 1000.0);
        long periodNanos = (long) (1e9 / rate);
        ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
        long[] sent = {0};
        CompletableFuture<Void> allSent = new CompletableFuture<>();
        schedule.scheduleAtFixedRate(() -> {
            if (sent[0]++ >= count) {
                allSent.complete(null);
                return;
            }
            send(target);
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        allSent.join();
        schedule.shutdownNow();
        CompletableFuture<Void> all;
        synchronized (pending) {
            all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
        }
        all.join();
        List<Outcome> out = new ArrayList<>(outcomes);
        outcomes.clear();
        synchronized (pending) {
            pending.clear();
        }
        return out;
    }

    private void send(URI target) {
        long start = System.nanoTime();
        CompletableFuture<Void> done = http.sendAsync(request(target), HttpResponse.BodyHandlers.discarding()).handle((r, e) -> {
            long latency = System.nanoTime() - start;
            if (e != null) outcomes.add(new Outcome(start, 0, false, latency, e.toString()));
            else outcomes.add(new Outcome(start, r.statusCode(), r.headers().firstValue("Retry-After").isPresent(), latency, null));
            return null;
        });
        synchronized (pending) {
            pending.add(done);
        }
    }

    /** Statuses and their counts, 0 for no answer: for messages. */
    static Map<Integer, Integer> statuses(List<Outcome> outcomes) {
        Map<Integer, Integer> out = new TreeMap<>();
        outcomes.forEach(o -> out.merge(o.status(), 1, Integer::sum));
        return out;
    }

    /** Outcomes that are neither a 2xx nor a documented shed (429 or 503 with Retry-After). */
    static List<Outcome> failed(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> !(o.status() >= 200 && o.status() < 300) && !o.shed()).toList();
    }
}
