package io.tandem.controller.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.model.Change;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import io.tandem.model.Runtime;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceStoreTest {
    @TempDir
    Path tmp;

    private static Environment env(String name, String command) {
        return new Environment(Metadata.named(name), new EnvironmentSpec(Runtime.EXEC, command, null, null));
    }

    @Test
    void fillsMetadataAndKeepsCreatedAcrossReplacements() {
        InstantSource clock = () -> Instant.parse("2026-01-01T00:00:00Z");
        try (ResourceStore store = ResourceStore.open(tmp, clock)) {
            Change added = store.write(tx -> tx.put(env("a", "one")));
            Change modified = store.write(tx -> tx.put(env("a", "two")));

            assertThat(added.type()).isEqualTo(Change.Type.ADDED);
            assertThat(added.revision()).isEqualTo(1);
            assertThat(modified.type()).isEqualTo(Change.Type.MODIFIED);
            assertThat(modified.resource().metadata()).isEqualTo(new Metadata("a", 2, clock.instant(), clock.instant()));
        }
    }

    @Test
    void anIdenticalPutChangesNothing() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            store.write(tx -> tx.put(env("a", "one")));
            Change again = store.write(tx -> tx.put(env("a", "one")));
            assertThat(again).isNull();
            assertThat(store.revision()).isEqualTo(1);
            assertThat(store.changesSince(0)).hasSize(1);
        }
    }

    @Test
    void aFailingTransactionLeavesNoTrace() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            List<Change> seen = new CopyOnWriteArrayList<>();
            store.subscribe(Optional.of(0L), seen::add).join();
            assertThatThrownBy(() -> store.write(tx -> {
                tx.put(env("a", "one"));
                throw new IllegalArgumentException("refused");
            })).hasMessage("refused");
            store.write(tx -> tx.put(env("b", "two")));

            Optional<Resource> a = store.read(tx -> tx.get(Kind.ENVIRONMENT, "a"));
            assertThat(a).isEmpty();
            assertThat(store.revision()).isEqualTo(1);
            await().until(() -> seen.size() == 1);
            assertThat(seen.getFirst().resource().name()).isEqualTo("b");
        }
    }

    @Test
    void subscribersGetTheSnapshotThenLiveChangesInOrder() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            store.write(tx -> tx.put(env("a", "one")));
            store.write(tx -> tx.put(env("b", "one")));
            store.write(tx -> tx.delete(Kind.ENVIRONMENT, "a"));
            List<Change> seen = new CopyOnWriteArrayList<>();
            store.subscribe(Optional.empty(), seen::add).join();
            store.write(tx -> tx.put(env("c", "one")));

            await().until(() -> seen.size() == 2);
            assertThat(seen).extracting(c -> c.type() + " " + c.resource().name() + " " + c.revision())
                    .containsExactly("ADDED b 2", "ADDED c 4");
        }
    }

    @Test
    void resumesFromARevisionAfterRestart() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            store.write(tx -> tx.put(env("a", "one")));
            store.write(tx -> tx.put(env("b", "one")));
        }
        try (ResourceStore store = ResourceStore.open(tmp)) {
            assertThat(store.revision()).isEqualTo(2);
            assertThat(store.changesSince(1)).extracting(c -> c.resource().name()).containsExactly("b");
            assertThat(store.write(tx -> tx.delete(Kind.ENVIRONMENT, "a")).revision()).isEqualTo(3);
        }
    }

    @Test
    void keepsOnlyTheLatestChangesAndSaysWhenAWatcherIsTooFarBehind() {
        try (ResourceStore store = ResourceStore.open(tmp, InstantSource.system(), 5)) {
            for (int i = 0; i < 10; i++) {
                int n = i;
                store.write(tx -> tx.put(env("e" + n, "x")));
            }
            assertThat(store.changesSince(5)).extracting(Change::revision).containsExactly(6L, 7L, 8L, 9L, 10L);
            assertThatThrownBy(() -> store.changesSince(4)).isInstanceOf(ResourceStore.HistoryCompactedException.class)
                    .hasMessageContaining("revision 4");
            List<Change> seen = new CopyOnWriteArrayList<>();
            store.subscribe(Optional.empty(), seen::add).join();
            await().until(() -> seen.size() == 10);
        }
    }

    @Test
    void refusesASecondOpenOfTheSameDirectory() {
        try (ResourceStore store = ResourceStore.open(tmp)) {
            assertThatThrownBy(() -> ResourceStore.open(tmp)).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
        }
    }
}
