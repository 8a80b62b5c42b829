package io.tandem.runtime.jvm;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The java runtime's standard output: what functions print reaches the pipe to their agent within
 * {@value #DELAY_MS} ms, in one write for everything printed meanwhile, instead of one write per line.
 *
 * <p>The JDK's {@code System.out} flushes at every {@code println}, and a logging library flushes at every event:
 * one system call per line, and one wake-up of the agent's reader per line, which at thousands of calls a second
 * with a log line each cost as much CPU as the runtime's own work on a call. C's stdio and Python buffer a pipe
 * without any bound; here the bound is {@value #DELAY_MS} ms. A line is lost only when the process is killed
 * (SIGKILL, the kernel's OOM killer) within that time of printing it; an exit flushes first (shutdown hook, and
 * {@link Watchdog} before it halts). Standard error is left unbuffered: a stack trace is written at once.
 *
 * <p>Threads: any thread writes, under {@link #lock}. The one daemon thread {@code tandem-stdout} writes the buffer
 * out, under the same lock, every {@value #DELAY_MS} ms while there is output; once a round finds nothing, it sleeps
 * until a write makes the buffer non-empty and unparks it. So a function that prints on every call costs one wake-up
 * of that thread per {@value #DELAY_MS} ms, not two (an unpark, then a timed wait), and an idle one none.
 * {@link #flush()} does not write: it only makes sure the thread will, so a logger's flush per event costs nothing. A
 * write larger than what is left of the buffer writes the buffer and itself through at once.
 *
 * <p>{@code System.out} itself is a {@link LinePrintStream}: the JDK's {@code PrintStream} encodes every line while
 * holding its monitor, so concurrent calls that each print a line queued on it (at 20,000 calls a second, thousands
 * of contended monitor entries a second, each a park and a wake-up). A line printed as a string is encoded on the
 * caller's thread and added in one short hold of {@link #lock}.
 */
public final class CoalescedOutput extends OutputStream {
    static final long DELAY_MS = 2;
    private static final int CAPACITY = 64 * 1024;

    private final OutputStream target;
    private final byte[] buffer = new byte[CAPACITY];
    private final ReentrantLock lock = new ReentrantLock();
    private int length; // guarded by lock
    private final Thread writer;
    /** Set by the writer thread before it sleeps until unparked; a write that finds it set unparks it. */
    private volatile boolean writerAsleep;
    private static volatile CoalescedOutput installed;

    CoalescedOutput(OutputStream target) {
        this.target = target;
        this.writer = Thread.ofPlatform().daemon().name("tandem-stdout").unstarted(this::loop);
        writer.start();
    }

    /** Makes {@code System.out} one; flushed once more when the process exits normally. */
    public static void install() {
        var out = new CoalescedOutput(new FileOutputStream(FileDescriptor.out));
        installed = out;
        System.setOut(out.printStream(System.out.charset()));
        Runtime.getRuntime().addShutdownHook(new Thread(out::drain, "tandem-stdout-exit"));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        boolean wasEmpty;
        lock.lock();
        try {
            if (len > CAPACITY - length) {
                writeBuffer();
                target.write(b, off, len);
                return;
            }
            wasEmpty = length == 0;
            System.arraycopy(b, off, buffer, length, len);
            length += len;
        } finally {
            lock.unlock();
        }
        if (wasEmpty && writerAsleep) LockSupport.unpark(writer);
    }

    /** A print stream onto this one whose strings and lines are encoded outside any lock. */
    PrintStream printStream(Charset charset) {
        return new LinePrintStream(this, charset);
    }

    /** Adds {@code first} then {@code second}, nothing between them: a line and its line separator. */
    void write(byte[] first, byte[] second) throws IOException {
        boolean wasEmpty;
        lock.lock();
        try {
            if (first.length + second.length > CAPACITY - length) {
                writeBuffer();
                target.write(first);
                target.write(second);
                return;
            }
            wasEmpty = length == 0;
            System.arraycopy(first, 0, buffer, length, first.length);
            System.arraycopy(second, 0, buffer, length + first.length, second.length);
            length += first.length + second.length;
        } finally {
            lock.unlock();
        }
        if (wasEmpty && writerAsleep) LockSupport.unpark(writer);
    }

    /** Does not write: what is buffered is written within {@value #DELAY_MS} ms anyway. */
    @Override
    public void flush() {
    }

    /**
     * Writes what the installed one holds now, if one is installed: before a halt, which runs no shutdown hook. Gives
     * up after a second if a writer holds the stream (blocked on a full pipe): the halt must not wait on the function.
     */
    static void drainInstalled() {
        CoalescedOutput out = installed;
        if (out == null) return;
        try {
            if (!out.lock.tryLock(1, TimeUnit.SECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            out.writeQuietly();
        } finally {
            out.lock.unlock();
        }
    }

    /** Writes what is buffered now; whether there was any. */
    boolean drain() {
        lock.lock();
        try {
            boolean some = length > 0;
            writeQuietly();
            return some;
        } finally {
            lock.unlock();
        }
    }

    private void writeQuietly() {
        try {
            writeBuffer();
        } catch (IOException e) {
            // the agent is gone: nothing will read it
        }
    }

    /** Called with the lock held. */
    private void writeBuffer() throws IOException {
        if (length == 0) return;
        int n = length;
        length = 0; // before the write: a failed write drops the buffer rather than writing it again for ever
        target.write(buffer, 0, n);
        target.flush();
    }

    /**
     * The writer thread: a round every {@value #DELAY_MS} ms while rounds find output; asleep after one that finds
     * none. A write either sees {@link #writerAsleep} set and unparks, or happened under the lock before this thread
     * looked at the buffer, and is found (the lock orders the two).
     */
    private void loop() {
        while (true) {
            writerAsleep = true;
            if (isEmpty()) LockSupport.park(this);
            writerAsleep = false;
            do {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(DELAY_MS));
            } while (drain());
        }
    }

    private boolean isEmpty() {
        lock.lock();
        try {
            return length == 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Prints strings by encoding them on the caller's thread and adding the bytes (with the line separator, for a
     * line) in one call: a line stays whole among concurrent printers, as with {@code PrintStream}, without its
     * monitor. Every other kind of print goes through {@code PrintStream}'s own code, which has written all it was
     * given to the {@link CoalescedOutput} when it returns, so one thread's output keeps its order however it prints.
     * Thread-safe.
     */
    static final class LinePrintStream extends PrintStream {
        private static final byte[] NOTHING = new byte[0];

        private final CoalescedOutput out;
        private final Charset charset;
        private final byte[] lineSeparator;

        LinePrintStream(CoalescedOutput out, Charset charset) {
            super(out, false, charset);
            this.out = out;
            this.charset = charset;
            this.lineSeparator = System.lineSeparator().getBytes(charset);
        }

        @Override
        public void print(String s) {
            add(String.valueOf(s).getBytes(charset), NOTHING);
        }

        @Override
        public void println(String s) {
            add(String.valueOf(s).getBytes(charset), lineSeparator);
        }

        @Override
        public void println(Object o) {
            println(String.valueOf(o));
        }

        @Override
        public void println() {
            add(NOTHING, lineSeparator);
        }

        // PrintStream prints these lines as two writes under its monitor, which the strings' lines above do not
        // take: each is one line here too, so no line printed meanwhile can come between a value and its newline.

        @Override
        public void println(boolean x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(char x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(int x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(long x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(float x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(double x) {
            println(String.valueOf(x));
        }

        @Override
        public void println(char[] x) {
            println(new String(x));
        }

        /** Formatted whole, then printed in one write: the formatter would print it piece by piece. */
        @Override
        public PrintStream format(String format, Object... args) {
            print(String.format(format, args));
            return this;
        }

        @Override
        public PrintStream format(java.util.Locale locale, String format, Object... args) {
            print(String.format(locale, format, args));
            return this;
        }

        private void add(byte[] text, byte[] end) {
            try {
                out.write(text, end);
            } catch (java.io.InterruptedIOException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                setError(); // as PrintStream: checkError() tells
            }
        }
    }
}
