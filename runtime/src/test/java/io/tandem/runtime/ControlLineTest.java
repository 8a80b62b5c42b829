package io.tandem.runtime;

/** The control line of the JVM host. */
class ControlLineTest extends ControlLineContract {
    @Override
    protected TestInstance startGeneric() {
        return TestInstance.generic("exec");
    }
}
