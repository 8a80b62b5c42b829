package io.tandem.controller;

import io.tandem.home.TandemHome;
import io.tandem.http.EventLoops;
import io.tandem.http.Tls;
import io.tandem.packages.PackageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ControllerMain --host 127.0.0.1 --port 8088 --executor URL [--package-quota BYTES] [--exit-with-parent] [--tls-cert FILE --tls-key FILE
 * --local-port P] [--max-client-connections N]}: the controller in a
 * process of its own, as {@code tandem server} runs it, with the store in {@code TANDEM_HOME} and the cluster view
 * read from the executor at {@code URL}. With {@code --exit-with-parent} it exits when the process that started it
 * does. With a certificate the API serves TLS on {@code --host} and plain HTTP on 127.0.0.1:{@code P} for the roles
 * on this machine ({@link Controller.Listening}). Exits 1 when it cannot start (the port in use, the store locked), with the reason on stderr.
 */
public final class ControllerMain {
    private static final Logger log = LoggerFactory.getLogger(ControllerMain.class);

    private ControllerMain() {
    }

    /** Polls the parent every 200 ms, so a server killed with SIGKILL frees the port and the store within a moment. */
    private static void exitWithParent() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            while (parent != null && parent.isAlive()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            log.warn("controller exiting: its server process exited");
            System.exit(0);
        });
    }

    /**
     * The store's driver unpacks its native library into a temporary directory and deletes it at a normal exit; a
     * controller killed with SIGKILL would leave one copy in /tmp per run. Kept in the home's private data directory
     * instead, a left copy is found and deleted by the next controller's driver, which cleans its own directory.
     */
    private static void keepNativeLibrariesIn(Path dir) {
        if (System.getProperty("org.sqlite.tmpdir") != null) return;
        try {
            Files.createDirectories(dir);
            System.setProperty("org.sqlite.tmpdir", dir.toString());
        } catch (IOException e) {
            log.warn("cannot keep the store's native library in {}, it goes to the system's temporary directory: {}", dir, e.toString());
        }
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        if (options.exitWithParent()) exitWithParent();
        TandemHome home = TandemHome.fromEnvironment();
        keepNativeLibrariesIn(home.dataDir());
        Controller controller = start(home, options);
        stopOnShutdown(controller);
        System.out.println("controller listening on " + options.host() + ":" + controller.port() + " (pid " + ProcessHandle.current().pid() + ")");
    }

    /** The command line; a wrong one stops the process with exit code 2 and the usage on stderr. */
    private record Options(String host, int port, String executor, boolean exitWithParent, String tlsCert, String tlsKey,
                           int localPort, int perClient, long packageQuota) {
        static Options parse(String[] args) {
            String host = "127.0.0.1";
            int port = 8088;
            String executor = null;
            boolean exitWithParent = false;
            String tlsCert = null;
            String tlsKey = null;
            int localPort = 0;
            int perClient = 0;
            long packageQuota = PackageStore.DEFAULT_QUOTA_BYTES;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--host" -> host = args[++i];
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--executor" -> executor = args[++i];
                    case "--package-quota" -> packageQuota = Long.parseLong(args[++i]);
                    case "--exit-with-parent" -> exitWithParent = true;
                    case "--tls-cert" -> tlsCert = args[++i];
                    case "--tls-key" -> tlsKey = args[++i];
                    case "--local-port" -> localPort = Integer.parseInt(args[++i]);
                    case "--max-client-connections" -> perClient = Integer.parseInt(args[++i]);
                    default -> {
                        System.err.println("unknown argument " + args[i]);
                        System.exit(2);
                    }
                }
            }
            if (executor == null) {
                System.err.println("usage: ControllerMain [--host H] [--port P] --executor URL [--package-quota BYTES] [--exit-with-parent] [--tls-cert FILE --tls-key FILE"
                        + " --local-port P] [--max-client-connections N]");
                System.exit(2);
            }
            return new Options(host, port, executor, exitWithParent, tlsCert, tlsKey, localPort, perClient, packageQuota);
        }
    }

    /** Starts the controller and returns it listening; exits the process with code 1 and the reason when it cannot. */
    private static Controller start(TandemHome home, Options options) {
        Vertx vertx = EventLoops.create(EventLoops.Load.CONTROL);
        Controller.Listening listening;
        try {
            listening = new Controller.Listening(options.tlsCert() == null ? null : Tls.ofPem(Path.of(options.tlsCert()), Path.of(options.tlsKey())),
                    options.localPort(), options.perClient());
        } catch (IllegalArgumentException e) {
            System.err.println("cannot start the controller: " + e.getMessage());
            System.exit(1);
            return null;
        }
        Controller controller = new Controller(home, vertx, options.host(), options.port(), new HttpClusterView(vertx, options.executor(), home.ensureToken()),
                PackageStore.Config.defaults().withQuotaBytes(options.packageQuota()), listening);
        try {
            controller.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("cannot start the controller on " + options.host() + ":" + options.port() + ": " + cause);
            System.exit(1);
        }
        return controller;
    }

    private static void stopOnShutdown(Controller controller) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("controller-shutdown").unstarted(() -> {
            try {
                controller.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway; the store's transactions keep it whole
            }
        }));
    }
}
