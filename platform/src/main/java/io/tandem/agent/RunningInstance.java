package io.tandem.agent;

/**
 * One instance process the agent started. Its {@code state} is touched on the agent's context only; {@code function}
 * is written there when the instance is specialized and read by its log pumps.
 */
final class RunningInstance {
    final LaunchRequest request;
    final Process process;
    final int port;
    /** What the instance obeys; null for an http instance. */
    final String secret;
    final Sandbox.Confinement confinement;
    volatile String function;
    String state = "starting";

    RunningInstance(LaunchRequest request, Process process, int port, String secret, Sandbox.Confinement confinement) {
        this.request = request;
        this.process = process;
        this.port = port;
        this.secret = secret;
        this.confinement = confinement;
        this.function = request.function();
    }

    String id() {
        return request.instanceId();
    }

    InstanceInfo info() {
        return new InstanceInfo(request.instanceId(), request.environment(), function, "127.0.0.1", port, process.pid(), state, secret);
    }

    /** SIGKILL to the instance and its descendants. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
