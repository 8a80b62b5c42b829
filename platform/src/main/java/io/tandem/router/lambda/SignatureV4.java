package io.tandem.router.lambda;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks AWS Signature Version 4 on a request, as AWS checks what its SDKs and CLI send: the {@code Authorization}
 * header {@code AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...},
 * recomputed over the canonical request (method, path encoded again, sorted query, the signed headers, the body's
 * SHA-256) with a signing key derived from the secret access key, date, region and service.
 *
 * <p>Tandem has one secret, the API token: any access key id is taken, and the region is whatever the credential
 * scope names. {@code X-Amz-Security-Token} is checked like any signed header and otherwise ignored (Tandem issues no
 * temporary credentials). A request more than {@link #MAX_SKEW} away from now is refused, as AWS refuses it.
 * Signatures in the query string (pre-signed URLs) and chunked payload signing are not supported.
 *
 * <p>Stateless and thread-safe. One check costs five HMACs and two SHA-256 passes (the body's and the canonical
 * request's), microseconds for a 6 MB body's hash aside, so it runs on the event loop.
 */
public final class SignatureV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** How far a request's time may be from the server's, either way. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(15);
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private SignatureV4() {
    }

    /**
     * What a check needs of a request: {@code rawPath} and {@code rawQuery} as they came (still percent-encoded,
     * the query without {@code ?}, null when there is none), every value of a header by its name, and the body.
     */
    public record Request(String method, String rawPath, String rawQuery, Function<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.apply(name);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }
    }

    /** The outcome of a check. */
    public sealed interface Verdict permits Valid, Refused {
    }

    /** Signed with the secret: by {@code accessKeyId}, for {@code region}. */
    public record Valid(String accessKeyId, String region) implements Verdict {
    }

    /** Not signed, or not with the secret: {@code errorType} as AWS names it, and what was wrong. */
    public record Refused(String errorType, String message) implements Verdict {
    }

    /** The Authorization header's parts. */
    private record Authorization(String accessKeyId, String date, String region, String service, List<String> signedHeaders, String signature) {
    }

    /** Checks {@code request}'s signature for {@code service} with {@code secret}, at time {@code now}. */
    public static Verdict verify(Request request, String secret, String service, Instant now) {
        String header = request.header("Authorization");
        if (header == null || header.isBlank()) {
            return new Refused("MissingAuthenticationTokenException", "the request is not signed: it has no Authorization header");
        }
        Object parsed = parse(header.trim());
        if (parsed instanceof Refused refused) return refused;
        Authorization auth = (Authorization) parsed;
        if (!auth.service().equals(service)) {
            return new Refused("InvalidSignatureException", "the credential is scoped to service '" + auth.service() + "'; sign for '" + service + "'");
        }
        String amzDate = request.header("X-Amz-Date");
        if (amzDate == null) {
            return new Refused("IncompleteSignatureException", "the request has no X-Amz-Date header (the time it was signed, such as 20150830T123600Z)");
        }
        Instant signedAt;
        try {
            signedAt = AMZ_DATE.parse(amzDate.trim(), Instant::from);
        } catch (DateTimeParseException e) {
            return new Refused("IncompleteSignatureException", "X-Amz-Date '" + amzDate + "' is not a time such as 20150830T123600Z");
        }
        if (!amzDate.trim().startsWith(auth.date())) {
            return new Refused("InvalidSignatureException", "the credential's date " + auth.date() + " is not the day of X-Amz-Date " + amzDate.trim());
        }
        if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
            return new Refused("InvalidSignatureException", "Signature expired: " + amzDate.trim() + " is more than 15 minutes away from the server's time "
                    + AMZ_DATE.format(now) + "; check the clock of the machine that signed the request");
        }
        if (!auth.signedHeaders().contains("host")) {
            return new Refused("InvalidSignatureException", "the Host header must be signed (SignedHeaders has no 'host')");
        }
        for (String name : auth.signedHeaders()) {
            if (request.header(name) == null) {
                return new Refused("InvalidSignatureException", "SignedHeaders names '" + name + "', which the request does not have");
            }
        }
        String payloadHash = hex(sha256(request.body()));
        String declaredHash = request.header("X-Amz-Content-Sha256");
        if (declaredHash != null && !declaredHash.trim().equals(UNSIGNED_PAYLOAD) && !declaredHash.trim().equalsIgnoreCase(payloadHash)) {
            return new Refused("InvalidSignatureException", "X-Amz-Content-Sha256 is not the SHA-256 of the body that arrived");
        }
        String canonical = canonicalRequest(request, auth.signedHeaders(), declaredHash == null ? payloadHash : declaredHash.trim());
        String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/aws4_request";
        String expected = signature(secret, auth.date(), auth.region(), auth.service(), stringToSign(amzDate.trim(), scope, canonical));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), auth.signature().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return new Refused("InvalidSignatureException", "the request signature does not match the one computed with this server's secret");
        }
        return new Valid(auth.accessKeyId(), auth.region());
    }

    /** Parses the header into an {@link Authorization}, or says what is wrong with it as a {@link Refused}. */
    private static Object parse(String header) {
        if (!header.startsWith(ALGORITHM + " ")) {
            return new Refused("IncompleteSignatureException", "the Authorization header is not AWS Signature Version 4 (" + ALGORITHM + " Credential=..., SignedHeaders=..., Signature=...)");
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq < 0) continue;
            String value = p.substring(eq + 1).trim();
            switch (p.substring(0, eq).trim()) {
                case "Credential" -> credential = value;
                case "SignedHeaders" -> signedHeaders = value;
                case "Signature" -> signature = value;
                default -> { }
            }
        }
        if (credential == null || signedHeaders == null || signature == null) {
            return new Refused("IncompleteSignatureException", "the Authorization header needs Credential, SignedHeaders and Signature");
        }
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || !scope[4].equals("aws4_request") || scope[0].isEmpty() || !scope[1].matches("\\d{8}") || scope[2].isEmpty()) {
            return new Refused("IncompleteSignatureException", "the Credential '" + credential + "' is not KEY/YYYYMMDD/REGION/SERVICE/aws4_request");
        }
        if (!signature.matches("[0-9a-fA-F]{64}")) {
            return new Refused("IncompleteSignatureException", "the Signature is not 64 hexadecimal digits");
        }
        List<String> names = new ArrayList<>();
        for (String name : signedHeaders.split(";")) if (!name.isBlank()) names.add(name.trim().toLowerCase(Locale.ROOT));
        return new Authorization(scope[0], scope[1], scope[2], scope[3], List.copyOf(names), signature);
    }

    /** The canonical request: method, path, query, signed headers, their names, the payload's hash, one per line. */
    static String canonicalRequest(Request request, List<String> signedHeaders, String payloadHash) {
        StringBuilder c = new StringBuilder(256);
        c.append(request.method()).append('\n');
        c.append(canonicalPath(request.rawPath())).append('\n');
        c.append(canonicalQuery(request.rawQuery())).append('\n');
        for (String name : signedHeaders) {
            List<String> values = request.headers().apply(name);
            c.append(name).append(':');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) c.append(',');
                c.append(values.get(i).trim().replaceAll("\\s+", " "));
            }
            c.append('\n');
        }
        c.append('\n').append(String.join(";", signedHeaders)).append('\n').append(payloadHash);
        return c.toString();
    }

    /**
     * The path as the SDKs sign it for every service but S3: the path as sent (already percent-encoded) encoded once
     * more, slashes kept, so a function ARN's {@code %3A} is signed as {@code %253A}.
     */
    static String canonicalPath(String rawPath) {
        return rawPath == null || rawPath.isEmpty() ? "/" : encode(rawPath, true);
    }

    /** The query's parameters decoded, encoded again as AWS encodes them, sorted by name and then value. */
    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) return "";
        List<String[]> params = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.add(new String[] {encode(decode(name), false), encode(decode(value), false)});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder q = new StringBuilder();
        for (String[] p : params) q.append(q.isEmpty() ? "" : "&").append(p[0]).append('=').append(p[1]);
        return q.toString();
    }

    static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    }

    /** The hexadecimal signature of {@code stringToSign} with the key derived from {@code secret} for the scope. */
    static String signature(String secret, String date, String region, String service, String stringToSign) {
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        return hex(hmac(key, stringToSign));
    }

    /** Percent-encodes every byte but {@code A-Z a-z 0-9 - _ . ~} (and {@code /} when {@code keepSlash}), in upper case. */
    static String encode(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~'
                    || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Decodes {@code %XX} escapes as UTF-8; {@code +} stays a plus, as AWS reads it; a malformed escape is kept. */
    public static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                bytes.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
