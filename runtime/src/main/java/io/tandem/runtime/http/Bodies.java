package io.tandem.runtime.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The framings of an HTTP/1.1 message body over a connection's buffered streams: read by {@code Content-Length} or
 * chunked, written by {@code Content-Length}, chunked, or (HTTP/1.0, length unknown) until the connection closes.
 * None of them closes the connection's stream: the connection serves its next request on it. Each is used by one
 * thread at a time.
 */
final class Bodies {
    private Bodies() {
    }

    /** A request body: {@link #drain} consumes what the handler left, so the next request can be read. */
    abstract static class Input extends InputStream {
        private Runnable beforeFirstRead;

        /** Runs once, before the first byte is read (the {@code 100 Continue} of a client that expects one). */
        void beforeFirstRead(Runnable action) {
            beforeFirstRead = action;
        }

        final void started() {
            Runnable action = beforeFirstRead;
            beforeFirstRead = null;
            if (action != null) action.run();
        }

        /** Whether a {@code 100 Continue} is still owed: the client waits for it before sending the body. */
        final boolean continuePending() {
            return beforeFirstRead != null;
        }

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        /** Whether the whole body has been read; false when that is not known without reading. */
        boolean atEnd() {
            return false;
        }

        /** Reads and drops the rest of the body, up to {@code limit} bytes; false if more than that remains. */
        final boolean drain(long limit) throws IOException {
            if (atEnd()) return true; // the usual case: the handler read it all, or there was none
            byte[] sink = new byte[8192];
            long dropped = 0;
            while (dropped <= limit) {
                int n = read(sink, 0, sink.length);
                if (n < 0) return true;
                dropped += n;
            }
            return false;
        }

        @Override
        public void close() {
            // The connection drains what is left once the handler is done; closing here must not end the connection.
        }
    }

    private static final byte[] NOTHING = new byte[0];
    /** Bodies up to this long are read into an array of their announced length at once. */
    static final int EXACT_UP_TO = 1 << 20;

    static Input empty() {
        return new Input() {
            @Override
            public int read(byte[] b, int off, int len) {
                return -1;
            }

            @Override
            public byte[] readAllBytes() {
                return NOTHING;
            }

            @Override
            boolean atEnd() {
                return true;
            }
        };
    }

    static Input fixed(InputStream in, long length) {
        return new Input() {
            private long remaining = length;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                started();
                if (remaining == 0) return -1;
                if (len == 0) return 0;
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) throw new IOException("the request body ended " + remaining + " bytes short of its Content-Length");
                remaining -= n;
                return n;
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(remaining, in.available());
            }

            /**
             * Into one array of the announced size: InputStream's starts with 16 KiB, even for no body at all. Over
             * {@value #EXACT_UP_TO} bytes InputStream's way (growing as bytes come) is kept, so that a length a client
             * announces and does not send costs no more memory than what it sent.
             */
            @Override
            public byte[] readAllBytes() throws IOException {
                if (remaining > EXACT_UP_TO) return super.readAllBytes();
                byte[] all = new byte[(int) remaining];
                int n = readNBytes(all, 0, all.length);
                if (n < all.length) throw new IOException("the request body ended " + (all.length - n) + " bytes short of its Content-Length");
                return all;
            }

            @Override
            boolean atEnd() {
                return remaining == 0;
            }
        };
    }

    static Input chunked(InputStream in) {
        return new Input() {
            private long inChunk; // bytes left in the current chunk
            private boolean ended;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                started();
                if (ended) return -1;
                if (len == 0) return 0;
                if (inChunk == 0) {
                    inChunk = chunkSize(in);
                    if (inChunk == 0) {
                        skipTrailers(in);
                        ended = true;
                        return -1;
                    }
                }
                int n = in.read(b, off, (int) Math.min(len, inChunk));
                if (n < 0) throw new IOException("the request body ended inside a chunk");
                inChunk -= n;
                if (inChunk == 0) crlf(in);
                return n;
            }

            @Override
            boolean atEnd() {
                return ended;
            }
        };
    }

    private static long chunkSize(InputStream in) throws IOException {
        long size = 0;
        int digits = 0;
        int b;
        while ((b = in.read()) >= 0) {
            int digit = Character.digit(b, 16);
            if (digit < 0) break;
            if (++digits > 15) throw new BadRequest(400, "a chunk size has more than 15 hex digits");
            size = size * 16 + digit;
        }
        if (digits == 0) throw new BadRequest(400, "a chunk of the request body has no size");
        while (b >= 0 && b != '\n') b = in.read(); // chunk extensions are ignored
        if (b < 0) throw new IOException("the request body ended inside a chunk's size line");
        return size;
    }

    private static void crlf(InputStream in) throws IOException {
        int b = in.read();
        if (b == '\r') b = in.read();
        if (b != '\n') throw new BadRequest(400, "a chunk of the request body is longer than its size says");
    }

    private static void skipTrailers(InputStream in) throws IOException {
        int lineLength = 0;
        int total = 0;
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                if (lineLength == 0) return;
                lineLength = 0;
            } else if (b != '\r') {
                lineLength++;
            }
            if (++total > RequestHead.MAX_HEADERS) throw new BadRequest(431, "the request's trailers are too long");
        }
        throw new IOException("the request body ended inside its trailers");
    }

    /** A response body; {@link #finish} ends its framing, and says whether the connection can carry another exchange. */
    abstract static class Output extends OutputStream {
        @Override
        public final void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        /** Ends the body's framing; false when the body broke it (too short), so the connection must close. */
        abstract boolean finish() throws IOException;

        @Override
        public void close() throws IOException {
            finish();
        }
    }

    /** A body that must not be sent: HEAD, 204, 304, or a length of -1. Writes are dropped; finishing sends the head. */
    static Output none(OutputStream out) {
        return new Output() {
            private boolean finished;

            @Override
            public void write(byte[] b, int off, int len) {
            }

            @Override
            boolean finish() throws IOException {
                if (!finished) out.flush();
                finished = true;
                return true;
            }
        };
    }

    static Output fixed(OutputStream out, long length) {
        return new Output() {
            private long remaining = length;
            private boolean finished;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (finished) throw new IOException("the response body is already complete");
                if (len > remaining) throw new IOException("the response body is longer than the " + length + " bytes announced");
                out.write(b, off, len);
                remaining -= len;
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            boolean finish() throws IOException {
                if (finished) return remaining == 0;
                finished = true;
                if (remaining > 0) return false;
                out.flush();
                return true;
            }
        };
    }

    /** Chunked: small writes are gathered into chunks of up to 8 KiB; a large write is one chunk, not copied. */
    static Output chunked(OutputStream out) {
        return new Output() {
            private final byte[] pending = new byte[8192];
            private int pendingLength;
            private boolean finished;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (finished) throw new IOException("the response body is already complete");
                if (pendingLength + len <= pending.length) {
                    System.arraycopy(b, off, pending, pendingLength, len);
                    pendingLength += len;
                    return;
                }
                emitPending();
                if (len < pending.length) {
                    System.arraycopy(b, off, pending, 0, len);
                    pendingLength = len;
                } else {
                    chunk(b, off, len);
                }
            }

            @Override
            public void flush() throws IOException {
                emitPending();
                out.flush();
            }

            @Override
            boolean finish() throws IOException {
                if (finished) return true;
                finished = true;
                emitPending();
                out.write(LAST_CHUNK);
                out.flush();
                return true;
            }

            private void emitPending() throws IOException {
                if (pendingLength == 0) return;
                chunk(pending, 0, pendingLength);
                pendingLength = 0;
            }

            private void chunk(byte[] b, int off, int len) throws IOException {
                out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(b, off, len);
                out.write(CRLF);
            }
        };
    }

    /** HTTP/1.0 with no length: the body ends when the connection closes, so it never carries another exchange. */
    static Output untilClose(OutputStream out) {
        return new Output() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            boolean finish() throws IOException {
                out.flush();
                return false;
            }
        };
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
}
