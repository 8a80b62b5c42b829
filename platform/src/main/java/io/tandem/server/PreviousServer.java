package io.tandem.server;

import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server a home's {@code server.json} names, met when another starts on that home. */
final class PreviousServer {
    private static final Logger log = LoggerFactory.getLogger(PreviousServer.class);

    private PreviousServer() {
    }

    /**
     * A server killed with SIGKILL leaves its controller to notice on its own, within a moment; a server started on
     * the same home meanwhile would find the port and the store taken, so it ends that controller itself.
     */
    private static void stopOrphanedController(ServerInfo info) {
        if (info.controllerPid() <= 0 || ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) return;
        ProcessHandle.of(info.controllerPid())
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains("io.tandem.controller.ControllerMain")).orElse(false))
                .ifPresent(p -> {
                    log.info("stopping the controller (pid {}) left by the previous server (pid {})", p.pid(), info.pid());
                    p.destroyForcibly();
                    try {
                        p.onExit().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        log.warn("the controller (pid {}) left by the previous server did not exit: {}", p.pid(), e.toString());
                    }
                });
    }

    /** Refuses to start while another server runs with {@code home}, after ending a controller a killed one left. */
    static void refuseIfRunning(TandemHome home) {
        ServerInfo.readFrom(home).ifPresent(PreviousServer::stopOrphanedController);
        ServerInfo.readFrom(home).ifPresent(info -> {
            if (info.pid() != ProcessHandle.current().pid() && ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                throw new Server.StartException("a Tandem server (pid " + info.pid() + ") already runs with TANDEM_HOME=" + home.root()
                        + ": stop it first, or set another TANDEM_HOME", null);
            }
        });
    }
}
