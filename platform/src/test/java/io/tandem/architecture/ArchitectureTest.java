package io.tandem.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lines between roles that separate modules would otherwise keep: read from the sources, where a role's code
 * names another role's package (imports and fully qualified names; string literals do not count).
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/io/tandem");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.tandem\\.([a-z]+)((?:\\.[a-z]+)*)");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");

    /** top-level package -> the top-level packages it references, with the full names for messages. */
    static Map<String, Set<String>> deps = new TreeMap<>();
    static Map<String, Set<String>> fullRefs = new TreeMap<>();

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String role = SOURCES.relativize(f).getName(0).toString();
                String code = STRING.matcher(Files.readString(f)).replaceAll("\"\"");
                Matcher m = REFERENCE.matcher(code);
                deps.computeIfAbsent(role, r -> new TreeSet<>());
                fullRefs.computeIfAbsent(role, r -> new TreeSet<>());
                while (m.find()) {
                    if (!m.group(1).equals(role)) {
                        deps.get(role).add(m.group(1));
                        fullRefs.get(role).add(m.group(1) + m.group(2));
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Test
    void rolePackagesFormNoCycle() {
        List<String> cycle = findCycle();
        assertThat(cycle).as("package cycle; dependencies: " + deps).isEmpty();
    }

    @Test
    void routerNeverTouchesTheStoreOrTheExecutor() {
        assertThat(deps.get("router")).as("router depends on " + deps.get("router")).doesNotContain("controller", "executor", "agent", "packages");
    }

    @Test
    void timersReachFunctionsOnlyThroughTheRouter() {
        // Over HTTP, so each function's strategy applies to a firing: no calls into the router, executor or store.
        assertThat(deps.get("timer")).as("timer depends on " + deps.get("timer")).doesNotContain("router", "executor", "agent", "controller", "packages");
    }

    @Test
    void messageQueueTriggersReachFunctionsOnlyThroughTheRouter() {
        // Over HTTP, as timers do, so each function's strategy applies to a message.
        assertThat(deps.get("mqt")).as("mqt depends on " + deps.get("mqt")).doesNotContain("router", "executor", "agent", "controller", "packages", "timer");
    }

    @Test
    void asyncCallsReachFunctionsOnlyThroughTheRouter() {
        // Over HTTP, as timers and message queue triggers do; the router reaches them through its AsyncGateway.
        assertThat(deps.get("async")).as("async depends on " + deps.get("async")).doesNotContain("router", "executor", "agent", "controller", "packages",
                "timer", "mqt");
    }

    @Test
    void agentRunsOnItsOwnWithoutTheServerRoles() {
        assertThat(deps.get("agent")).as("agent depends on " + deps.get("agent")).doesNotContain("controller", "router", "executor", "server", "cli");
    }

    @Test
    void modelDependsOnNothingOfTandem() {
        assertThat(deps.get("model")).isEmpty();
    }

    @Test
    void metricsDependOnNothingOfTandemSoEveryRoleMayRecordIntoThem() {
        assertThat(deps.get("metrics")).isEmpty();
    }

    @Test
    void onlyTheServerAndTheCliWireRolesTogether() {
        for (var e : deps.entrySet()) {
            if (Set.of("server", "cli").contains(e.getKey())) continue;
            assertThat(e.getValue()).as(e.getKey() + " depends on " + e.getValue()).doesNotContain("server", "cli");
        }
    }

    private static List<String> findCycle() {
        Map<String, Integer> state = new TreeMap<>();
        for (String start : deps.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            List<String> cycle = visit(start, state, path);
            if (!cycle.isEmpty()) return cycle;
        }
        return List.of();
    }

    private static List<String> visit(String p, Map<String, Integer> state, Deque<String> path) {
        Integer s = state.get(p);
        if (s != null && s == 2) return List.of();
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String q : path) {
                if (q.equals(p)) in = true;
                if (in) cycle.add(q);
            }
            cycle.add(p);
            return cycle;
        }
        state.put(p, 1);
        path.addLast(p);
        for (String d : deps.getOrDefault(p, Set.of())) {
            List<String> c = visit(d, state, path);
            if (!c.isEmpty()) return c;
        }
        path.removeLast();
        state.put(p, 2);
        return List.of();
    }
}
