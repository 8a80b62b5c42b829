package io.tandem.agent;

import java.nio.file.Path;

/**
 * A process that starts training a class-data archive in {@code args[0]}, prints the training JVM's pid and exits
 * while it still runs, as an agent does when its server stops it mid-training; with {@code args[1]} {@code stay} it
 * keeps running instead, for the test to SIGKILL it.
 */
public final class TrainerExitMain {
    private TrainerExitMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        new ClassDataArchive(Path.of(args[0]), ClassDataArchiveTest.JAVA, ClassDataArchiveTest.CLASSPATH).ensure();
        while (ProcessHandle.current().children().findAny().isEmpty()) Thread.sleep(5); // polling: the trainer has no signal to wait on
        System.out.println(ProcessHandle.current().children().findFirst().orElseThrow().pid());
        System.out.flush();
        if (args.length > 1 && args[1].equals("stay")) Thread.sleep(Long.MAX_VALUE);
        System.exit(0);
    }
}
