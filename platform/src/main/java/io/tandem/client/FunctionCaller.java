package io.tandem.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** Calls a function once (a message, an async call). Thread-safe; blocking, so callers use virtual threads. */
@FunctionalInterface
public interface FunctionCaller {
    /** The function's answer, whatever its status; throws when no answer came within {@code timeout}. */
    Answer call(Call call, Duration timeout) throws IOException, InterruptedException;

    /** One call: {@code path} is what the function sees; {@code headers} go with it. */
    record Call(String function, String method, String path, Map<String, String> headers, byte[] body) {
    }

    /** The function's answer; {@code contentType} is null when it named none. */
    record Answer(int status, byte[] body, String contentType) {
        public Answer(int status, byte[] body) {
            this(status, body, null);
        }
    }
}
