package io.tandem.mqt;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** Calls a function with one message. Thread-safe; blocking, so callers use virtual threads. */
@FunctionalInterface
interface FunctionCaller {
    /** The function's answer, whatever its status; throws when no answer came within {@code timeout}. */
    Answer call(Call call, Duration timeout) throws IOException, InterruptedException;

    /** One call: {@code path} is what the function sees; {@code headers} identify the message. */
    record Call(String function, String method, String path, Map<String, String> headers, byte[] body) {
    }

    record Answer(int status, byte[] body) {
    }
}
