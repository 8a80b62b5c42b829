package io.tandem.controller.store;

import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.Runtime;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link ResourceStoreCrashTest}: writes resources in a loop, forever, and prints
 * {@code ack NAME} after each write returned. Every third write also replaces an earlier resource, and every fifth
 * deletes one, so the log holds every kind of change.
 */
public final class CrashWriter {
    public static void main(String[] args) {
        try (ResourceStore store = ResourceStore.open(Path.of(args[0]))) {
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; ; i++) {
                String name = "env-" + i;
                int n = i;
                store.write(tx -> {
                    tx.put(new Environment(Metadata.named(name), new EnvironmentSpec(Runtime.EXEC, "run " + n, 1, null)));
                    if (n % 3 == 2) tx.put(new Environment(Metadata.named("env-" + (n - 1)), new EnvironmentSpec(Runtime.HTTP, "again " + n, 2, null)));
                    if (n % 5 == 4) tx.put(new Environment(Metadata.named("scratch-" + n), new EnvironmentSpec(Runtime.EXEC, null, 0, null)));
                    if (n % 5 == 4 && n > 5) tx.delete(Resource.Kind.ENVIRONMENT, "scratch-" + (n - 5));
                    return null;
                });
                System.out.println("ack " + name);
                System.out.flush();
            }
        }
    }
}
