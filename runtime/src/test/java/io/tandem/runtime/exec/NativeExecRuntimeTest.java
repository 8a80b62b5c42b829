package io.tandem.runtime.exec;

import io.tandem.runtime.NativeHost;
import io.tandem.runtime.TestInstance;
import java.util.Map;

/** The exec contract on the native host ({@code exec-host.c}), a process of its own as the agent starts it. */
class NativeExecRuntimeTest extends ExecRuntimeContract {
    @Override
    protected TestInstance start(Map<String, String> env) {
        return NativeHost.start(env).instance();
    }
}
