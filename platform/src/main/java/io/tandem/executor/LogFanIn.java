package io.tandem.executor;

import io.tandem.model.Json;
import io.tandem.model.LogQuery;
import io.tandem.model.LogRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges one function's log streams from several nodes into one response: the backlogs merged by time and cut to
 * the last {@code tail} lines, then, when following, each new line as it comes until the client goes away. Text
 * lines, or NDJSON {@link LogRecord}s for {@code query.json()}. A node that fails to answer is left out. Called on
 * the executor's context, where every callback below runs too.
 */
final class LogFanIn {
    private static final Logger log = LoggerFactory.getLogger(LogFanIn.class);

    private LogFanIn() {
    }

    /** Streams from {@code nodes} to {@code response}; completes when every node's stream ended and the response did. */
    static Future<Void> stream(List<Node> nodes, String function, LogQuery query, HttpServerResponse response) {
        Promise<Void> done = Promise.promise();
        response.setChunked(true).putHeader("Content-Type", query.json() ? "application/x-ndjson" : "text/plain; charset=utf-8");
        Promise<Void> clientGone = Promise.promise();
        response.closeHandler(v -> clientGone.tryComplete());
        List<LogRecord> backlog = new ArrayList<>();
        Set<Node> pending = new HashSet<>(nodes); // nodes whose backlog has not all come
        boolean[] merged = {false};
        Runnable mergeWhenComplete = () -> {
            if (merged[0] || !pending.isEmpty()) return;
            merged[0] = true;
            backlog.sort(Comparator.comparing(LogRecord::time));
            StringBuilder text = new StringBuilder();
            for (LogRecord r : backlog.subList(Math.max(0, backlog.size() - query.tail()), backlog.size())) text.append(format(r, query));
            backlog.clear();
            if (!text.isEmpty() && !response.closed()) response.write(text.toString());
        };
        List<Future<Void>> streams = new ArrayList<>();
        for (Node n : nodes) {
            streams.add(n.client.log(function, query, r -> {
                if (!merged[0]) backlog.add(r); // the backlog, or a node's first live lines while another still reads
                else if (!response.closed()) response.write(format(r, query));
            }, () -> {
                pending.remove(n);
                mergeWhenComplete.run();
            }, clientGone.future()).onComplete(ar -> {
                if (ar.failed()) log.debug("no logs of {} from node {}: {}", function, n.name, ar.cause().toString());
                pending.remove(n);
                mergeWhenComplete.run();
            }).otherwiseEmpty());
        }
        mergeWhenComplete.run();
        Future.join(streams).onComplete(ar -> {
            if (!response.ended() && !response.closed()) response.end();
            done.complete();
        });
        return done.future();
    }

    private static String format(LogRecord r, LogQuery query) {
        return (query.json() ? Json.write(r) : r.toText()) + "\n";
    }
}
