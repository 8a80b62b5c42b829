package io.tandem.server;

import io.tandem.home.TandemHome;
import io.tandem.http.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The certificate a server off loopback serves when it is given none: made once with the JDK's {@code keytool}
 * (an EC P-256 key, valid ten years) into {@code TANDEM_HOME/tls/} as {@code cert.pem} and {@code key.pem} (mode
 * 0600), and kept across restarts so that a client's pinned fingerprint stays valid. Delete the directory to have
 * a new one made. Its names (localhost, 127.0.0.1, ::1, the listen address and this machine's addresses when it was
 * made) let a client that trusts it as a CA file check the host name too; a pinned fingerprint needs no name.
 */
final class SelfSignedCertificate {
    private static final String ALIAS = "tandem";

    private SelfSignedCertificate() {
    }

    static Path dir(TandemHome home) {
        return home.root().resolve("tls");
    }

    /** The certificate in {@code home}, made first if there is none. */
    static Tls ensure(TandemHome home, String host) {
        Path dir = dir(home);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        if (Files.isRegularFile(cert) && Files.isRegularFile(key)) return Tls.ofPem(cert, key);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path store = dir.resolve("making.p12");
            Files.deleteIfExists(store);
            byte[] raw = new byte[16];
            new SecureRandom().nextBytes(raw);
            String password = HexFormat.of().formatHex(raw);
            runKeytool(store, password, host);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password.toCharArray());
            } finally {
                Files.deleteIfExists(store);
            }
            Key privateKey = ks.getKey(ALIAS, password.toCharArray());
            Certificate certificate = ks.getCertificate(ALIAS);
            Path keyTmp = Files.createTempFile(dir, "key", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyTmp, pem("PRIVATE KEY", privateKey.getEncoded()));
            Files.move(keyTmp, key, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            TandemHome.writeAtomically(cert, pem("CERTIFICATE", certificate.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a TLS certificate in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the TLS certificate keytool made in " + dir + ": " + e.getMessage(), e);
        }
        return Tls.ofPem(cert, key);
    }

    private static void runKeytool(Path store, String password, String host) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IOException("this Java has no " + keytool + ": give a certificate with --tls-cert FILE --tls-key FILE");
        }
        ProcessBuilder pb = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-validity", "3650", "-dname", "CN=Tandem server", "-ext", "SAN=" + String.join(",", names(host)),
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass:env", "TANDEM_KEYSTORE_PASSWORD")
                .redirectErrorStream(true);
        pb.environment().put("TANDEM_KEYSTORE_PASSWORD", password); // not on the command line, which any local user can read
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while keytool made the certificate");
        }
        if (p.exitValue() != 0) throw new IOException("keytool failed (exit " + p.exitValue() + "): " + output);
    }

    /** Subject alternative names in keytool's syntax. */
    static List<String> names(String host) {
        Set<String> names = new LinkedHashSet<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
        try {
            InetAddress listen = InetAddress.getByName(host);
            if (!listen.isAnyLocalAddress()) {
                names.add("ip:" + listen.getHostAddress());
                if (!host.equals(listen.getHostAddress()) && host.matches("[A-Za-z0-9.-]+")) names.add("dns:" + host);
            }
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (!ni.isUp()) continue;
                ni.inetAddresses().filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                        .forEach(a -> names.add("ip:" + a.getHostAddress().replaceFirst("%.*$", "")));
            }
        } catch (UnknownHostException | SocketException e) {
            // the names above still serve a client on this machine; a pinned fingerprint needs none
        }
        return List.copyOf(names);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
