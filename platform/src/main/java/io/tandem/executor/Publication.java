package io.tandem.executor;

import io.tandem.model.Endpoint;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Tells the router which endpoints serve each function: after every change that may move traffic, the function's
 * serving instances are published if they differ from what was published last, and the callers waiting for the
 * function's first endpoint get it. Republishing is on the executor's context only; the queries read the cluster's
 * concurrent maps from any thread.
 */
final class Publication {
    private static final String LOOPBACK = "127.0.0.1";
    private final Cluster cluster;
    private final EndpointPublisher publisher;
    private final Map<String, List<Endpoint>> published = new HashMap<>();

    Publication(Cluster cluster, EndpointPublisher publisher) {
        this.cluster = cluster;
        this.publisher = publisher;
    }

    /** Publishes the function's ready instances, the current generation's when it has any ready. */
    void republish(String function) {
        FunctionState fs = cluster.function(function);
        List<Endpoint> endpoints = fs == null ? List.of() : serving(fs).stream().map(this::endpoint).toList();
        if (!endpoints.equals(published.getOrDefault(function, List.of()))) {
            if (endpoints.isEmpty()) published.remove(function);
            else published.put(function, endpoints);
            publisher.publish(function, endpoints);
        }
        if (fs != null && !endpoints.isEmpty() && !fs.waiters.isEmpty()) {
            List<CompletableFuture<Endpoint>> w = List.copyOf(fs.waiters);
            fs.waiters.clear();
            w.forEach(f -> f.complete(endpoints.getFirst()));
        }
    }

    /**
     * The instances that get the function's traffic: under active-standby only the active; otherwise the ready
     * replicas, the current generation's when it has any. Across a switch of strategy, the instances of the former
     * one serve until the new one has any.
     */
    List<Instance> serving(FunctionState fs) {
        List<Instance> ready = cluster.instancesOf(fs.name()).stream()
                .filter(i -> (i.role == Role.REPLICA || i.role == Role.ACTIVE) && i.ready() && cluster.isAlive(i.node))
                .sorted(Comparator.comparing(i -> i.id)).toList();
        Role wanted = fs.activeStandby() ? Role.ACTIVE : Role.REPLICA;
        List<Instance> ofStrategy = ready.stream().filter(i -> i.role == wanted).toList();
        if (ofStrategy.isEmpty()) return ready;
        if (wanted == Role.ACTIVE) return ofStrategy.subList(0, 1);
        List<Instance> current = ofStrategy.stream().filter(i -> i.generation == fs.generation()).toList();
        return current.isEmpty() ? ofStrategy : current;
    }

    Endpoint endpoint(Instance i) {
        return new Endpoint(i.function, i.id, i.node, LOOPBACK, i.port, epochOf(i));
    }

    /** The epoch an instance serves at: its function's current one for the active, 0 for every other. */
    long epochOf(Instance i) {
        if (i.role != Role.ACTIVE || i.function == null) return 0;
        FunctionState fs = cluster.functionOf(i);
        return fs == null ? 0 : fs.epoch;
    }
}
