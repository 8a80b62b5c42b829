package io.tandem.runtime.exec;

import io.tandem.runtime.TestInstance;
import java.util.Map;

/** The exec contract on the JVM host: {@code io.tandem.runtime.Main exec}, started in-process. */
class ExecRuntimeTest extends ExecRuntimeContract {
    @Override
    protected TestInstance start(Map<String, String> env) {
        return TestInstance.start("exec", env);
    }
}
