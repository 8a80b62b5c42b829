package io.tandem.agent;

/** Every refusal's JSON body, as DESIGN.md fixes it. */
public record ApiError(String error, String detail) {
}
