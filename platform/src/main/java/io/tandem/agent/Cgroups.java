package io.tandem.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's control groups: a group per instance under {@code tandem-<home>/<node>}, holding its memory, process
 * count and CPU limits. cgroups v2 (one hierarchy, {@code /sys/fs/cgroup/cgroup.controllers} lists {@code memory}
 * and {@code pids}) is used where the machine has it; otherwise the v1 {@code memory}, {@code pids} and {@code cpu}
 * hierarchies, each mounted on its own. Both need root.
 *
 * <p>An instance joins its groups before it runs anything (the launch line's first step writes its own pid into
 * each {@code cgroup.procs}), so nothing it forks escapes them. Thread-safe: each instance's groups are touched by
 * one call at a time, and groups of different instances are disjoint.
 */
final class Cgroups {
    private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final long CPU_PERIOD_MICROS = 100_000;

    enum Version { V1, V2 }

    /** Limits of one instance; 0 leaves that resource unlimited. */
    record Limits(long memoryBytes, int cpuMillis, int pids) {
    }

    private final Version version;
    /** v2: the one node directory; v1: memory, pids, cpu node directories, in that order. */
    private final Map<String, Path> nodeDirs;

    private Cgroups(Version version, Map<String, Path> nodeDirs) {
        this.version = version;
        this.nodeDirs = nodeDirs;
    }

    /** The node's groups under {@code root} (normally {@code /sys/fs/cgroup}), or empty when they cannot be made. */
    static Optional<Cgroups> open(Path root, String base, String node) {
        try {
            Path controllers = root.resolve("cgroup.controllers");
            if (Files.isRegularFile(controllers)) {
                List<String> available = List.of(Files.readString(controllers).trim().split("\\s+"));
                if (available.contains("memory") && available.contains("pids")) {
                    Path top = root.resolve(base);
                    Path nodeDir = top.resolve(node);
                    Files.createDirectories(nodeDir);
                    // v2 hands controllers down one level at a time; an instance's group gets them from the node's.
                    String enable = available.contains("cpu") ? "+memory +pids +cpu" : "+memory +pids";
                    write(root.resolve("cgroup.subtree_control"), enable);
                    write(top.resolve("cgroup.subtree_control"), enable);
                    write(nodeDir.resolve("cgroup.subtree_control"), enable);
                    return Optional.of(new Cgroups(Version.V2, Map.of("all", nodeDir)));
                }
            }
            Map<String, Path> dirs = new LinkedHashMap<>();
            for (String controller : List.of("memory", "pids", "cpu")) {
                Path mount = root.resolve(controller);
                if (!Files.isRegularFile(mount.resolve("cgroup.procs"))) return Optional.empty();
                Path nodeDir = mount.resolve(base).resolve(node);
                Files.createDirectories(nodeDir);
                dirs.put(controller, nodeDir);
            }
            return Optional.of(new Cgroups(Version.V1, dirs));
        } catch (IOException | RuntimeException e) {
            log.info("no control groups for instances ({}): limits fall back to rlimits", e.toString());
            return Optional.empty();
        }
    }

    static Optional<Cgroups> open(String base, String node) {
        return open(ROOT, base, node);
    }

    Version version() {
        return version;
    }

    /** Makes {@code instance}'s groups; returns the {@code cgroup.procs} files its launch line joins. */
    List<Path> create(String instance) throws IOException {
        List<Path> procs = new ArrayList<>();
        for (Path nodeDir : nodeDirs.values()) {
            Path group = nodeDir.resolve(instance);
            Files.createDirectories(group);
            procs.add(group.resolve("cgroup.procs"));
        }
        return procs;
    }

    /** Sets {@code instance}'s limits; may be called again (a warm instance gets its function's at specialization). */
    void limit(String instance, Limits limits) throws IOException {
        String memory = limits.memoryBytes() > 0 ? Long.toString(limits.memoryBytes()) : version == Version.V2 ? "max" : "-1";
        String pids = limits.pids() > 0 ? Integer.toString(limits.pids()) : "max";
        long quota = limits.cpuMillis() > 0 ? limits.cpuMillis() * CPU_PERIOD_MICROS / 1000 : -1;
        if (version == Version.V2) {
            Path group = nodeDirs.get("all").resolve(instance);
            write(group.resolve("memory.max"), memory);
            if (limits.memoryBytes() > 0) writeIfPresent(group.resolve("memory.swap.max"), "0");
            write(group.resolve("pids.max"), pids);
            writeIfPresent(group.resolve("cpu.max"), (quota > 0 ? Long.toString(quota) : "max") + " " + CPU_PERIOD_MICROS);
        } else {
            Path memoryGroup = nodeDirs.get("memory").resolve(instance);
            write(memoryGroup.resolve("memory.limit_in_bytes"), memory);
            write(nodeDirs.get("pids").resolve(instance).resolve("pids.max"), pids);
            Path cpuGroup = nodeDirs.get("cpu").resolve(instance);
            write(cpuGroup.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
            write(cpuGroup.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
    }

    /** The pids in {@code instance}'s groups. */
    List<Long> members(String instance) {
        List<Long> pids = new ArrayList<>();
        for (Path nodeDir : nodeDirs.values()) {
            try {
                for (String line : Files.readAllLines(nodeDir.resolve(instance).resolve("cgroup.procs"))) {
                    if (line.isBlank()) continue;
                    long pid = Long.parseLong(line.trim());
                    if (!pids.contains(pid)) pids.add(pid);
                }
            } catch (IOException | NumberFormatException gone) {
                // no such group any more
            }
        }
        return pids;
    }

    /** Kills what is left in {@code instance}'s groups and removes them once empty; false while one is not empty yet. */
    boolean remove(String instance) {
        for (long pid : members(instance)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        boolean removed = true;
        for (Path nodeDir : nodeDirs.values()) {
            try {
                Files.deleteIfExists(nodeDir.resolve(instance)); // rmdir: a group is removed as an empty directory
            } catch (IOException busy) {
                removed = false; // a killed process has not exited yet
            }
        }
        return removed;
    }

    /** Names of the instance groups this node has, for cleaning up after an earlier agent. */
    List<String> instances() {
        List<String> names = new ArrayList<>();
        for (Path nodeDir : nodeDirs.values()) {
            try (Stream<Path> groups = Files.list(nodeDir)) {
                groups.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !names.contains(n)).forEach(names::add);
            } catch (IOException e) {
                // the node directory went away
            }
        }
        return names;
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    private static void writeIfPresent(Path file, String value) throws IOException {
        if (Files.exists(file)) write(file, value);
    }
}
