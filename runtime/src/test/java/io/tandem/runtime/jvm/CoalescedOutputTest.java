package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CoalescedOutputTest {
    /** The pipe to the agent, as the test sees it: what was written and in how many writes. */
    static final class Sink extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void linesArriveSoonInFarFewerWritesThanLines() {
        Sink sink = new Sink();
        PrintStream out = new PrintStream(new CoalescedOutput(sink), false, StandardCharsets.UTF_8);
        int lines = 10_000;
        for (int i = 0; i < lines; i++) out.println("greeting " + i);
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().endsWith("greeting " + (lines - 1) + "\n"));
        assertThat(sink.text().lines()).hasSize(lines).startsWith("greeting 0");
        assertThat(sink.writes.get()).as("writes for %d lines", lines).isLessThan(lines / 10);
    }

    @Test
    void aLoggersFlushPerEventLeavesTheWriteToTheWriterAndTheLineArrives() {
        Sink sink = new Sink();
        PrintStream out = new PrintStream(new CoalescedOutput(sink), false, StandardCharsets.UTF_8);
        out.println("one event");
        out.flush();
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().equals("one event\n"));
        // Output after the buffer was written out wakes the writer again, whether it is back to waiting yet or not.
        out.println("another");
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().equals("one event\nanother\n"));
    }

    /**
     * A function that prints on every call wakes the writer thread once per round, not twice: lines printed every
     * 50 µs for 400 ms, and the writer's voluntary context switches (each one a wake-up) counted from /proc. A writer
     * that slept until unparked and then waited out the delay switched twice per round.
     */
    @Test
    void steadyOutputWakesTheWriterOncePerRound() throws IOException {
        Sink sink = new Sink();
        PrintStream out = new PrintStream(new CoalescedOutput(sink), false, StandardCharsets.UTF_8);
        out.println("first");
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().equals("first\n"));
        Path writer = newestThreadNamed("tandem-stdout");
        long before = wakeUps(writer);
        long start = System.nanoTime();
        long next = start;
        int lines = 0;
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400)) {
            while (System.nanoTime() - next < 0) Thread.onSpinWait(); // a steady trickle, as calls that each log a line
            next += TimeUnit.MICROSECONDS.toNanos(50);
            out.println("call " + lines++);
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long woke = wakeUps(writer) - before;
        int printed = lines;
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().endsWith("call " + (printed - 1) + "\n"));
        assertThat(woke).as("writer wake-ups in %d ms of output", elapsedMillis).isLessThanOrEqualTo(elapsedMillis / CoalescedOutput.DELAY_MS + 20);
    }

    /** The /proc directory of the most recently started thread of this process named {@code name}. */
    private static Path newestThreadNamed(String name) throws IOException {
        Path newest = null;
        long newestId = -1;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                long id = Long.parseLong(task.getFileName().toString());
                if (id > newestId && name.equals(comm(task))) {
                    newest = task;
                    newestId = id;
                }
            }
        }
        assertThat(newest).as("a thread named " + name).isNotNull();
        return newest;
    }

    /** A thread's name, or null once it has ended. */
    private static String comm(Path task) throws IOException {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (java.nio.file.NoSuchFileException ended) {
            return null;
        }
    }

    private static long wakeUps(Path task) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
        }
        throw new AssertionError(task + "/status has no voluntary_ctxt_switches");
    }

    @Test
    void concurrentPrintersKeepTheirLinesWholeAndNothingIsLost() throws Exception {
        Sink sink = new Sink();
        PrintStream out = new PrintStream(new CoalescedOutput(sink), false, StandardCharsets.UTF_8);
        int threads = 8;
        int perThread = 2_000;
        List<Thread> printers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            printers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) out.println("thread " + id + " line " + i + " " + "x".repeat(i % 100));
            }));
        }
        for (Thread p : printers) p.join(TimeUnit.SECONDS.toMillis(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().lines().count() == (long) threads * perThread);
        assertThat(sink.text().lines()).allMatch(l -> l.matches("thread \\d line \\d+ x*"));
    }

    @Test
    void aWriteLargerThanTheBufferGoesThroughInOrder() {
        Sink sink = new Sink();
        PrintStream out = new PrintStream(new CoalescedOutput(sink), false, StandardCharsets.UTF_8);
        out.println("before");
        String big = "y".repeat(200_000);
        out.println(big);
        out.println("after");
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().endsWith("after\n"));
        assertThat(sink.text()).isEqualTo("before\n" + big + "\nafter\n");
    }

    @Test
    void theLinePrintStreamKeepsConcurrentLinesWholeAndEachThreadsOutputInOrder() throws Exception {
        Sink sink = new Sink();
        PrintStream out = new CoalescedOutput(sink).printStream(StandardCharsets.UTF_8);
        int threads = 8;
        int perThread = 2_000;
        List<Thread> printers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            printers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    switch (i % 3) { // strings, formats and objects take different paths: order must not depend on it
                        case 0 -> out.println("thread " + id + " line " + i + " é");
                        case 1 -> out.printf("thread %d line %d é%n", id, i);
                        default -> {
                            out.print(""); // a print and a println are two writes, as with PrintStream: no line is split here
                            out.println((Object) ("thread " + id + " line " + i + " é"));
                        }
                    }
                }
            }));
        }
        for (Thread p : printers) p.join(TimeUnit.SECONDS.toMillis(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.text().lines().count() == (long) threads * perThread);
        List<String> lines = sink.text().lines().toList();
        assertThat(lines).allMatch(l -> l.matches("thread \\d line \\d+ é"));
        for (int t = 0; t < threads; t++) {
            String prefix = "thread " + t + " ";
            List<Integer> order = lines.stream().filter(l -> l.startsWith(prefix)).map(l -> Integer.parseInt(l.split(" ")[3])).toList();
            assertThat(order).as("thread %d's lines", t).isSorted().hasSize(perThread);
        }
    }

    /** A process that prints through the installed stream and exits at once, before the writer's delay is up. */
    public static final class PrintAndExit {
        public static void main(String[] args) {
            CoalescedOutput.install();
            for (int i = 0; i < 1_000; i++) System.out.println("line " + i);
            System.exit(0);
        }
    }

    @Test
    void aProcessThatExitsRightAfterPrintingLosesNothing() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), PrintAndExit.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(output.lines()).hasSize(1_000).endsWith("line 999");
    }
}
