package io.tandem.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What {@code GET /v1/status} says about nodes and instances, reduced to what chaos needs to pick its targets. */
public record ClusterStatus(List<Node> nodes, List<Instance> instances) {

    /** {@code state}: alive or dead; {@code pid}: the agent's process. */
    public record Node(String name, String state, long pid) {
        boolean dead() {
            return "dead".equals(state);
        }
    }

    /** {@code role}: active, standby, replica or pool; {@code pid} is 0 until the process has started. */
    public record Instance(String id, String function, String node, String role, String state, long pid) {
        boolean ready() {
            return "ready".equals(state) && pid > 0;
        }
    }

    public ClusterStatus {
        nodes = List.copyOf(nodes);
        instances = List.copyOf(instances);
    }

    /** Reads the JSON the API returns; missing fields become empty strings and zero pids. */
    public static ClusterStatus fromJson(JsonNode status) {
        List<Node> nodes = new ArrayList<>();
        for (JsonNode n : status.path("nodes")) {
            nodes.add(new Node(n.path("name").asText(), n.path("state").asText(), n.path("pid").asLong()));
        }
        List<Instance> instances = new ArrayList<>();
        for (JsonNode i : status.path("instances")) {
            instances.add(new Instance(i.path("id").asText(), i.path("function").asText(), i.path("node").asText(),
                    i.path("role").asText(), i.path("state").asText(), i.path("pid").asLong()));
        }
        return new ClusterStatus(nodes, instances);
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public List<Instance> instancesOf(String function) {
        return instances.stream().filter(i -> i.function().equals(function)).toList();
    }

    public List<Instance> instancesOn(String node) {
        return instances.stream().filter(i -> i.node().equals(node)).toList();
    }
}
