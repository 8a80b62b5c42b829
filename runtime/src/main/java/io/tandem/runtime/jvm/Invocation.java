package io.tandem.runtime.jvm;

import java.time.Instant;

/** Who is being invoked, for which request, until when: what both kinds of context report. */
record Invocation(String functionName, String requestId, Instant deadline) {
}
