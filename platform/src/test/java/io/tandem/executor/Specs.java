package io.tandem.executor;

import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Runtime;
import java.time.Duration;

/** Resources for tests. */
final class Specs {
    static final CodeRef CODE = new CodeRef("a".repeat(64), "hello.jar", 100, CodeRef.PackageKind.JAR);

    private Specs() {
    }

    static Environment env(String name, Runtime runtime, int poolSize, String command) {
        return new Environment(Metadata.named(name), new EnvironmentSpec(runtime, command, poolSize, null));
    }

    static Function poolmgr(String name, String env, long revision, Duration idleTimeout) {
        return new Function(new Metadata(name, revision, null, null), new FunctionSpec(env, CODE, "example.Hello",
                ExecutorType.POOLMGR, null, null, null, idleTimeout, null, null, null));
    }

    static Function newdeploy(String name, String env, long revision, int minScale) {
        return new Function(new Metadata(name, revision, null, null), new FunctionSpec(env, CODE, "example.Hello",
                ExecutorType.NEWDEPLOY, minScale, minScale, null, null, null, null, null));
    }
}
