package io.tandem.agent;

import io.tandem.http.ApiException;

/**
 * A refusal of the agent's API as its client sees it: the HTTP status and the JSON {@code error} and {@code detail}
 * the agent answered. The agent itself throws plain {@link ApiException}s.
 */
public final class AgentException extends ApiException {
    public AgentException(int status, String error, String detail) {
        super(status, error, detail);
    }
}
