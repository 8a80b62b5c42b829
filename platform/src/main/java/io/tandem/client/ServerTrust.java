package io.tandem.client;

import io.tandem.home.ServerInfo;
import io.tandem.http.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which certificate a client accepts from a Tandem server that serves TLS: the one whose SHA-256 fingerprint it
 * pins ({@code TANDEM_TLS_FINGERPRINT}, else the fingerprint the server recorded in {@code server.json}), or one
 * signed by a CA file ({@code TANDEM_TLS_CA}, host name checked), or else one the JDK's own trust store accepts.
 * Verification is never turned off. Plain {@code http} URLs are unaffected.
 */
public final class ServerTrust {
    private final String pinned;
    private final Path caFile;

    private ServerTrust(String pinned, Path caFile) {
        this.pinned = pinned;
        this.caFile = caFile;
    }

    /** The setting a user gave is not usable; the message says which and why. */
    public static final class BadSetting extends RuntimeException {
        BadSetting(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The JDK's trust store only: a certificate from a public CA. */
    public static ServerTrust system() {
        return new ServerTrust(null, null);
    }

    /** Accepts exactly the certificate with this SHA-256 fingerprint ({@code AB:CD:...}, colons and case optional). */
    public static ServerTrust pinned(String fingerprint) {
        String f = Tls.normalizeFingerprint(fingerprint);
        if (f == null) throw new BadSetting("'" + fingerprint + "' is no SHA-256 fingerprint: give 32 bytes in hex, such as AB:CD:...", null);
        return new ServerTrust(f, null);
    }

    /** Accepts certificates signed by the CA certificates in this PEM file, for the host name asked. */
    public static ServerTrust caFile(Path file) {
        if (!Files.isReadable(file)) throw new BadSetting("cannot read the CA file " + file + " (TANDEM_TLS_CA)", null);
        return new ServerTrust(null, file);
    }

    /** {@code TANDEM_TLS_FINGERPRINT}, else {@code TANDEM_TLS_CA}, else the fingerprint in {@code info}, else the JDK's trust store. */
    public static ServerTrust fromEnvironment(Optional<ServerInfo> info) {
        String fingerprint = System.getenv("TANDEM_TLS_FINGERPRINT");
        if (fingerprint != null && !fingerprint.isBlank()) return pinned(fingerprint);
        String ca = System.getenv("TANDEM_TLS_CA");
        if (ca != null && !ca.isBlank()) return caFile(Path.of(ca));
        return info.map(ServerInfo::tlsFingerprint).filter(f -> !f.isBlank()).map(ServerTrust::pinned).orElse(system());
    }

    /** {@code builder} set to trust as this says. */
    public HttpClient.Builder applyTo(HttpClient.Builder builder) {
        if (pinned == null && caFile == null) return builder;
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[]{pinned != null ? new Pinned(pinned) : caTrust(caFile)}, new SecureRandom());
            return builder.sslContext(tls);
        } catch (GeneralSecurityException e) {
            throw new BadSetting("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** What a client says when the handshake fails. */
    String describe() {
        return pinned != null ? "the pinned SHA-256 fingerprint " + pinned : caFile != null ? "the CA file " + caFile : "the JDK's trust store";
    }

    private static TrustManager caTrust(Path file) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(file)) {
            store.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) store.setCertificateEntry("ca" + n++, c);
            if (n == 0) throw new BadSetting("the CA file " + file + " holds no PEM certificate", null);
        } catch (IOException e) {
            throw new BadSetting("cannot read the CA file " + file + ": " + e.getMessage(), e);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers()[0];
    }

    /**
     * Accepts the one certificate with the pinned fingerprint, whatever its names, issuer or dates: the pin is the
     * identity. An extended trust manager, so the JDK adds no host name check of its own.
     */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final String fingerprint;

        Pinned(String fingerprint) {
            this.fingerprint = fingerprint;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) throw new CertificateException("the server sent no certificate");
            String got = Tls.fingerprint(chain[0]);
            if (!got.equals(fingerprint)) {
                throw new CertificateException("the server's certificate has SHA-256 fingerprint " + got + ", not the pinned " + fingerprint);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client never accepts client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("a client never accepts client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("a client never accepts client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
