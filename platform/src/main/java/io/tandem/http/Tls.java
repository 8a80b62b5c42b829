package io.tandem.http;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A listener's certificate and private key (PEM files) and the certificate's SHA-256 fingerprint, which a client
 * pins instead of trusting a certificate authority. Vert.x bounds each TLS handshake (10 s by default), so a client
 * that never finishes one holds its connection no longer than a slow head would.
 */
public record Tls(Path cert, Path key, String fingerprint) {

    /** Reads the certificate (the first in {@code cert}) to take its fingerprint; a missing or unreadable file is refused. */
    public static Tls ofPem(Path cert, Path key) {
        X509Certificate c = readCertificate(cert);
        String pem;
        try {
            pem = Files.readString(key, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS key " + key + ": " + e.getMessage(), e);
        }
        if (!pem.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException("the TLS key " + key + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        return new Tls(cert, key, fingerprint(c));
    }

    /** {@code options} serving this certificate. */
    public HttpServerOptions applyTo(HttpServerOptions options) {
        return options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
    }

    /** SHA-256 of the certificate's DER encoding, as {@code AB:01:...} (the form keytool and openssl print). */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot take the certificate's SHA-256 fingerprint", e);
        }
    }

    /**
     * {@code text} as a fingerprint in the form {@link #fingerprint} gives, or null when it is not 32 bytes of hex
     * (colons and case do not matter).
     */
    public static String normalizeFingerprint(String text) {
        String hex = text.strip().replace(":", "").toUpperCase(Locale.ROOT);
        if (hex.startsWith("SHA256")) hex = hex.substring(6).replaceFirst("^[ =]+", "");
        if (!hex.matches("[0-9A-F]{64}")) return null;
        return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }

    public static X509Certificate readCertificate(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate " + file + ": " + e.getMessage(), e);
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("the TLS certificate " + file + " holds no PEM X.509 certificate: " + e.getMessage(), e);
        }
    }
}
