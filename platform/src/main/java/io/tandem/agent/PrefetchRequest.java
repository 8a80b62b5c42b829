package io.tandem.agent;

import io.tandem.model.CodeRef;
import io.tandem.model.Runtime;

/**
 * Asks an agent to fetch (and, if its runtime needs a directory, unpack) a function's code ahead of the first call,
 * so that call pays only for specialization.
 */
public record PrefetchRequest(CodeRef code, Runtime runtime, String packagesUrl) {
}
