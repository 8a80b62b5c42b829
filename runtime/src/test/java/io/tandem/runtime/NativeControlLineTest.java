package io.tandem.runtime;

import java.util.Map;

/** The control line of the native exec host. */
class NativeControlLineTest extends ControlLineContract {
    @Override
    protected TestInstance startGeneric() {
        return NativeHost.start(Map.of()).instance();
    }
}
