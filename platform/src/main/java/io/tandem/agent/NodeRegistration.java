package io.tandem.agent;

/** What an agent posts to {@code {executor}/v1/nodes} at start: its node name, its API base URL and its pid. */
public record NodeRegistration(String name, String url, long pid) {
}
