package io.tandem.bench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open console tabs, as the web page behaves in a visible tab: the status every two seconds, the functions every
 * tenth, the traffic every fifth, and one event stream held open, each tab on its own connections. For measuring what
 * many open consoles cost the data plane; the calls they make are counted, and any refused one too.
 *
 * <p>Each tab is a virtual thread; {@link #close} stops them all.
 */
final class ConsoleTabs implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final List<HttpClient> clients = new ArrayList<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean open = true;

    ConsoleTabs(URI api, String token, int tabs) {
        for (int t = 0; t < tabs; t++) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            clients.add(http);
            threads.add(Thread.ofVirtual().start(() -> poll(http, api, token)));
            threads.add(Thread.ofVirtual().start(() -> follow(http, api, token)));
        }
    }

    private void poll(HttpClient http, URI api, String token) {
        for (long tick = 0; open; tick++) {
            long began = System.nanoTime();
            if (tick % 5 == 0) get(http, api.resolve("/v1/functions"), token);
            get(http, api.resolve("/v1/status"), token);
            if (tick % 5 == 0 || tick % 5 == 3) get(http, api.resolve("/v1/traffic"), token); // about every 5 s
            long left = 2_000_000_000L - (System.nanoTime() - began);
            if (left > 0) sleep(left);
        }
    }

    private void get(HttpClient http, URI uri, String token) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            calls.incrementAndGet();
            if (r.statusCode() != 200) failures.incrementAndGet();
        } catch (Exception e) {
            if (open) failures.incrementAndGet();
        }
    }

    private void follow(HttpClient http, URI api, String token) {
        while (open) {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(api.resolve("/v1/events?follow=true&limit=30"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    in.transferTo(OutputSink.INSTANCE);
                }
            } catch (Exception e) {
                if (!open) return;
                failures.incrementAndGet();
                sleep(1_000_000_000L);
            }
        }
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long calls() {
        return calls.get();
    }

    long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        open = false;
        clients.forEach(HttpClient::shutdownNow);
        threads.forEach(Thread::interrupt);
    }

    /** Discards what the event streams bring. */
    private static final class OutputSink extends java.io.OutputStream {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
