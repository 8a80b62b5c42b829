package io.tandem.agent;

import io.tandem.packages.Archives;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an agent confines its instances, so that a function is a tenant and not a guest of the server's user.
 *
 * <p>When the agent runs as root (and {@value #ISOLATION_ENV} is not {@code off}), every instance gets:
 * <ul>
 *   <li>a user and group id of its own, picked at random from a range no account uses and not held by any
 *       running process, with no supplementary groups: instances cannot signal, trace or read each other, nor
 *       anything of the server's user;</li>
 *   <li>a private directory {@code nodes/<node>/instances/<id>} (0700, its own), its working directory and
 *       {@code HOME}, holding its function's code, read-only to it (see {@link #privateCode}): the shared code cache,
 *       the logs, the store and the token stay readable by root only. {@code TANDEM_HOME}, {@code nodes},
 *       {@code nodes/<node>} and {@code instances} are 0711 (enter, not list), everything else in them private;</li>
 *   <li>control groups (see {@link Cgroups}) with a process cap of {@value #DEFAULT_PIDS} and its function's
 *       memory and CPU, where the machine has them; otherwise {@code RLIMIT_NPROC} (counted per user, hence per
 *       instance here) caps its processes and threads, and memory and CPU are not limited (an address-space rlimit
 *       would break every JVM, which reserves far more than it uses).</li>
 * </ul>
 * Every instance also gets {@code RLIMIT_CORE} 0 (a crash does not dump a function's memory to disk) and
 * {@code RLIMIT_NOFILE} {@value #NOFILE}. When the instance exits, whatever still runs as its user or in its groups
 * is killed (a daemon it forked cannot outlive it) and its directory is deleted.
 *
 * <p>Not as root, instances run as the agent's own user with the rlimits above only: a user cannot give its
 * processes to another user, nor (without delegation) create control groups.
 *
 * <p>Thread-safe: the set of ids in use is guarded by this object; everything else is per instance.
 */
public final class Sandbox {
    private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
    static final String ISOLATION_ENV = "TANDEM_INSTANCE_ISOLATION";
    static final int DEFAULT_PIDS = 1024;
    static final int NOFILE = 16384;
    /** Instance ids come from [FIRST_ID, FIRST_ID + ID_RANGE): far above the ids of accounts and of container user namespaces' usual maps. */
    public static final int FIRST_ID = 1_600_000_000;
    static final int ID_RANGE = 400_000_000;
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final String SHARED = "shared";
    private static final Set<PosixFilePermission> ENTER_ONLY = PosixFilePermissions.fromString("rwx--x--x");

    /** One instance's confinement. {@code uid} is -1 and {@code dir} null when instances run as the agent's user. */
    record Confinement(String instance, int uid, Path dir, List<Path> cgroupProcs) {
        boolean ownUser() {
            return uid >= 0;
        }
    }

    private final boolean separateUsers;
    private final Path instancesDir;
    private final Optional<Cgroups> cgroups;
    private final boolean prlimit = Files.isExecutable(PRLIMIT);
    private final boolean setpriv = Files.isExecutable(SETPRIV);
    private final SecureRandom random = new SecureRandom();
    private final Set<Integer> inUse = new HashSet<>();

    private Sandbox(boolean separateUsers, Path instancesDir, Optional<Cgroups> cgroups) {
        this.separateUsers = separateUsers;
        this.instancesDir = instancesDir;
        this.cgroups = cgroups;
    }

    /**
     * The sandbox of the node kept in {@code nodeDir} (inside {@code home}): separate users and control groups when
     * running as root, unless {@value #ISOLATION_ENV}{@code =off}. Makes the home's modes fit.
     */
    static Sandbox open(Path home, Path nodeDir, String node, String isolation) {
        boolean root = isRoot();
        boolean off = "off".equalsIgnoreCase(isolation);
        if (isolation != null && !isolation.isBlank() && !off && !"auto".equalsIgnoreCase(isolation)) {
            throw new IllegalArgumentException(ISOLATION_ENV + "=" + isolation + " is not a setting: use auto (the default) or off");
        }
        boolean separate = root && !off && Files.isExecutable(SETPRIV);
        Path instances = nodeDir.resolve("instances");
        if (!separate) return new Sandbox(false, instances, Optional.empty());
        try {
            Files.createDirectories(instances);
            openPath(home, nodeDir, instances);
            clearLeftovers(instances);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare instance directories in " + instances, e);
        }
        String base = "tandem-" + HexFormat.of().toHexDigits(home.toAbsolutePath().toString().hashCode());
        return new Sandbox(true, instances, Cgroups.open(base, node));
    }

    /**
     * {@code TANDEM_HOME/shared} (0711): what every instance may read, such as the JVMs' class-data archive, which
     * holds only the JDK's and Tandem's runtime classes.
     */
    static Path sharedDir(Path home) {
        Path dir = home.resolve(SHARED);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, ENTER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        return dir;
    }

    /**
     * Refuses to run instances as other users when they could not read what they start from: the java launcher and
     * every jar of the runtime's classpath must be readable by all, through directories all may enter.
     */
    static void requireReadableByAll(String classpath, String java) {
        List<Path> files = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) files.add(Path.of(entry));
        files.add(Path.of(java));
        for (Path file : files) {
            Path f = file.toAbsolutePath();
            for (Path p = f; p != null; p = p.getParent()) {
                try {
                    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p);
                    PosixFilePermission needed = p.equals(f) ? PosixFilePermission.OTHERS_READ : PosixFilePermission.OTHERS_EXECUTE;
                    if (!mode.contains(needed)) {
                        throw new IllegalStateException("instances run as users of their own, but they cannot read " + f + " ("
                                + p + " is " + PosixFilePermissions.toString(mode) + "): install Tandem where every user can read it, or set "
                                + ISOLATION_ENV + "=off to run instances as the server's user");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot check the modes of " + p, e);
                }
            }
        }
    }

    /** Whether instances run as users of their own. */
    boolean separateUsers() {
        return separateUsers;
    }

    Optional<Cgroups.Version> cgroupVersion() {
        return cgroups.map(Cgroups::version);
    }

    /**
     * Makes {@code home}, {@code nodes}, the node's directory and {@code instances} enterable by instance users
     * (0711: they cannot list them) and every other entry of the home and of the node's directory private to root
     * (the home's own subdirectories are made private by the server at its start as well).
     */
    private static void openPath(Path home, Path nodeDir, Path instances) throws IOException {
        List<Path> path = List.of(home, nodeDir.getParent(), nodeDir, instances);
        for (Path dir : path) Files.setPosixFilePermissions(dir, ENTER_ONLY);
        // Not the entries of nodes/: the other nodes' directories are their agents' to set.
        for (Path dir : List.of(home, nodeDir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.toList()) {
                    if (path.contains(entry) || entry.equals(home.resolve(SHARED)) || Files.isSymbolicLink(entry) || !Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) continue;
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(entry, LinkOption.NOFOLLOW_LINKS);
                    perms.removeAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
                            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
                    Files.setPosixFilePermissions(entry, perms);
                }
            }
        }
    }

    /** Directories of instances an earlier agent of this node left (it died with them). */
    private static void clearLeftovers(Path instances) throws IOException {
        try (Stream<Path> entries = Files.list(instances)) {
            for (Path dir : entries.toList()) {
                try {
                    Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                    if (owner instanceof Integer uid && uid >= FIRST_ID) killUser(uid);
                } catch (IOException | UnsupportedOperationException e) {
                    // not ours to judge; deleted below all the same
                }
                Archives.deleteTree(dir);
            }
        }
    }

    /** Kills what an earlier agent's instances left in this node's control groups. */
    void clearLeftoverGroups() {
        cgroups.ifPresent(c -> c.instances().forEach(c::remove));
    }

    /** Prepares {@code instance}'s user, directory and groups, with limits until its function gives its own. */
    Confinement confine(String instance, Cgroups.Limits limits) throws IOException {
        List<Path> procs = List.of();
        if (cgroups.isPresent()) {
            procs = cgroups.get().create(instance);
            cgroups.get().limit(instance, limits);
        }
        if (!separateUsers) return new Confinement(instance, -1, null, procs);
        int uid = allocate();
        Path dir = instancesDir.resolve(instance);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            chown(dir, uid);
        } catch (IOException e) {
            release(uid);
            throw e;
        }
        return new Confinement(instance, uid, dir, procs);
    }

    /** Gives the instance its function's limits (at specialization of a warm one). */
    void limit(Confinement c, Cgroups.Limits limits) throws IOException {
        if (cgroups.isPresent()) cgroups.get().limit(c.instance(), limits);
    }

    /**
     * The command that runs {@code argv} confined: joins the groups (as root, before anything else runs), sets the
     * rlimits, drops to the instance's user, and sets the parent-death signal, each step exec'ing the next so the
     * instance keeps the pid the agent started. The parent-death signal ({@code setpriv --pdeathsig}) fires when
     * the <em>thread</em> that forked the child exits, which is why the agent forks from one long-lived thread.
     */
    List<String> wrap(Confinement c, List<String> argv) {
        List<String> out = new ArrayList<>();
        if (!c.cgroupProcs().isEmpty()) {
            StringBuilder join = new StringBuilder();
            for (int i = 1; i <= c.cgroupProcs().size(); i++) join.append("echo $$ > \"$").append(i).append("\" && ");
            join.append("shift ").append(c.cgroupProcs().size()).append(" && exec \"$@\"");
            out.addAll(List.of("/bin/sh", "-c", join.toString(), "sh"));
            c.cgroupProcs().forEach(p -> out.add(p.toString()));
        }
        if (prlimit) {
            out.addAll(List.of(PRLIMIT.toString(), "--core=0", "--nofile=" + NOFILE));
            if (c.ownUser() && cgroups.isEmpty()) out.add("--nproc=" + DEFAULT_PIDS);
            out.add("--");
        }
        if (setpriv) {
            out.add(SETPRIV.toString());
            if (c.ownUser()) {
                // No way back to root: no capabilities to inherit or regain, and set-user-id programs give none.
                out.addAll(List.of("--reuid=" + c.uid(), "--regid=" + c.uid(), "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all"));
            }
            out.addAll(List.of("--pdeathsig", "SIGKILL", "--"));
        }
        out.addAll(argv);
        return out;
    }

    /**
     * {@code code} (a file or a directory tree of the node's code cache) in the instance's directory, read-only to the
     * instance (execute bits kept); the path itself when instances run as the agent's user. A file the cache keeps fit
     * to share ({@link #shareable}) is a hard link to it, which costs a cold start microseconds where a copy of a
     * 20 MB jar costs about 20 ms; any other is a copy given to the instance's group. Either way no other instance
     * can reach it: the cache's directory is root's alone, and so is each instance's to it. {@code artifact}, the
     * uploaded file a directory was unpacked from, goes beside it when the instance's command names it
     * ({@link CodeCache#artifact}); null otherwise.
     */
    Path privateCode(Confinement c, Path code, Path artifact) throws IOException {
        if (!c.ownUser() || code == null) return code;
        Path target = c.dir().resolve("code").resolve(code.getFileName());
        Archives.deleteTree(target.getParent()); // a warm instance whose function failed to load goes back to the pool with it
        Files.createDirectories(target.getParent());
        if (Files.isDirectory(code)) {
            Files.walkFileTree(code, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(target.resolve(code.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    placeFile(file, target.resolve(code.relativize(file).toString()));
                    return FileVisitResult.CONTINUE;
                }
            });
        } else {
            placeFile(code, target);
        }
        if (artifact != null && !artifact.equals(code)) placeFile(artifact, target.resolveSibling(artifact.getFileName()));
        readOnly(c.dir().resolve("code"), c.uid());
        return target;
    }

    private static void placeFile(Path from, Path to) throws IOException {
        if (Files.isSymbolicLink(from)) return; // unpacked packages hold none; never follow one out of the code
        if (shareable(from)) {
            try {
                Files.createLink(to, from);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // another file system, say: copied below
            }
        }
        Files.copy(from, to);
        if (Files.isExecutable(from)) Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
    }

    /**
     * Whether a cached file may be linked into instances' directories as it is: a regular file of root's, which only
     * root may write, every user may read, and every user may run if anyone may. Its modes are then right for every
     * instance at once, and no instance can change them or its bytes.
     */
    static boolean shareable(Path file) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> mode = attributes.permissions();
        boolean runnable = mode.contains(PosixFilePermission.OWNER_EXECUTE);
        return attributes.isRegularFile() && Integer.valueOf(0).equals(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                && !mode.contains(PosixFilePermission.GROUP_WRITE) && !mode.contains(PosixFilePermission.OTHERS_WRITE)
                && mode.contains(PosixFilePermission.OTHERS_READ) && (!runnable || mode.contains(PosixFilePermission.OTHERS_EXECUTE));
    }

    /**
     * Owned by root, group {@code gid}, dirs r-x and files r-- or r-x to that group: the function reads and runs its
     * code but cannot change it, nor change its modes back (it does not own it). A file with other links is the code
     * cache's, shared as it is ({@link #shareable}): left alone.
     */
    private static void readOnly(Path root, int gid) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && (int) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) continue;
                Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                boolean exec = Files.isDirectory(p) || Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "r-xr-x---" : "r--r-----"));
            }
        }
    }

    /** After the instance exited: kills what is left of it, removes its groups and directory, frees its user id. */
    void release(Confinement c) {
        if (c.ownUser()) killUser(c.uid());
        cgroups.ifPresent(g -> {
            if (!g.remove(c.instance())) {
                // A killed process takes a moment to leave its group: try again shortly, off the caller's thread.
                Thread.startVirtualThread(() -> {
                    for (int i = 0; i < 50 && !g.remove(c.instance()); i++) {
                        try {
                            Thread.sleep(100); // nothing to wait on: the kernel empties the group when the exits finish
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
            }
        });
        if (c.ownUser()) {
            try {
                Archives.deleteTree(c.dir());
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", c.dir(), e.toString());
            }
            release(c.uid());
        }
    }

    private synchronized int allocate() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int uid = FIRST_ID + random.nextInt(ID_RANGE);
            if (!inUse.contains(uid) && runningAs(uid).isEmpty()) {
                inUse.add(uid);
                return uid;
            }
        }
        throw new IllegalStateException("no free user id for an instance in " + FIRST_ID + ".." + (FIRST_ID + ID_RANGE));
    }

    private synchronized void release(int uid) {
        inUse.remove(uid);
    }

    /** Pids of processes whose real user id is {@code uid}, read from {@code /proc}. */
    public static List<Long> runningAs(int uid) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    if (uids(p.resolve("status"))[0] == uid) pids.add(Long.parseLong(name));
                } catch (IOException | RuntimeException gone) {
                    // exited while listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list processes in /proc", e);
        }
        return pids;
    }

    /** SIGKILL to every process of {@code uid}, until none is left (a fork in between is caught by the next round). */
    static void killUser(int uid) {
        for (int round = 0; round < 10; round++) {
            List<Long> left = runningAs(uid);
            if (left.isEmpty()) return;
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private static void chown(Path p, int uid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }

    /** The real, effective, saved and file-system user ids of a {@code /proc/<pid>/status} file. */
    private static int[] uids(Path status) throws IOException {
        for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("Uid:")) return Arrays.stream(line.substring(4).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }
        throw new IOException("no Uid line in " + status);
    }

    public static boolean isRoot() {
        try {
            return uids(Path.of("/proc/self/status"))[1] == 0; // effective
        } catch (IOException | RuntimeException e) {
            return false; // not Linux
        }
    }
}
