package io.tandem.runtime;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * Serves invocations of one loaded function. Thread-safe: called concurrently, once per request. Sends the whole
 * response, errors of the function included; throws only when the connection itself must be dropped.
 */
public interface Invoker {
    void invoke(HttpExchange exchange) throws IOException;

    /** Releases what the function holds open (its jars); called when the instance stops. */
    default void close() {
    }
}
