package io.tandem.controller;

import io.tandem.http.ApiException;
import io.tandem.model.LogQuery;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;

/**
 * What the controller's API shows of the running cluster, supplied by the executor (over HTTP when the controller
 * runs in a process of its own: {@link HttpClusterView}). Values are JSON-ready (records, maps, lists, JSON trees).
 * Thread-safe; a view that cannot reach the executor fails its futures with an {@link ApiException} saying so.
 */
public interface ClusterView {
    /** Nodes and instances, as {@code tandem status} shows them. */
    Future<Object> status();

    /** The executor's view of one function (its instances, its last load error), or null when it knows nothing. */
    Future<Object> functionStatus(String function);

    /**
     * Writes the function's log lines that {@code query} selects to {@code response}, from all its nodes merged by
     * time, as text or NDJSON; when following, new lines as they come until the client goes away. The future
     * completes when the response has ended.
     */
    Future<Void> streamLogs(String function, LogQuery query, HttpServerResponse response);

    /** The recent calls and errors per second of each function, as the router counted them (the console's chart). */
    Future<Object> traffic();
}
