package io.tandem.runtime;

import java.util.List;

/** Ending a process the runtime started, with all it started in turn. */
public final class ProcessTree {
    private ProcessTree() {
    }

    /** Kills the process and every descendant: a shell's children would otherwise hold its pipes open. */
    public static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
