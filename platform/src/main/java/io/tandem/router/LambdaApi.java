package io.tandem.router;

import java.time.InstantSource;

/**
 * What the router needs to serve the Lambda Invoke API ({@link LambdaRoutes}): the secret access key that callers
 * sign with (Tandem's API token), where it reads instances' logs for log tails, and the clock that signatures'
 * times are checked against.
 */
public record LambdaApi(String secretAccessKey, CallLogs logs, InstantSource clock) {
    public LambdaApi {
        if (secretAccessKey == null || secretAccessKey.isBlank()) throw new IllegalArgumentException("the Lambda API needs a secret to check signatures with");
    }
}
