package io.tandem.router.lambda;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Signs requests as the AWS SDKs do, for tests that call the Invoke API without one. */
public final class TestSigner {
    private TestSigner() {
    }

    /**
     * The {@code Authorization} header for {@code headers} (which must hold {@code Host} and {@code X-Amz-Date}, all of
     * them signed) of a request to {@code rawPath}, signed with {@code secret} for {@code region} and {@code lambda}.
     */
    public static String authorization(String method, String rawPath, String rawQuery, Map<String, String> headers, String body, String secret,
                                       String region) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> byName.put(k, List.of(v)));
        List<String> signed = headers.keySet().stream().map(k -> k.toLowerCase(java.util.Locale.ROOT)).sorted().toList();
        SignatureV4.Request r = new SignatureV4.Request(method, rawPath, rawQuery, byName::get, body.getBytes(StandardCharsets.UTF_8));
        String amzDate = byName.get("X-Amz-Date").getFirst();
        String date = amzDate.substring(0, 8);
        String canonical = SignatureV4.canonicalRequest(r, signed, SignatureV4.hex(SignatureV4.sha256(r.body())));
        String signature = SignatureV4.signature(secret, date, region, "lambda",
                SignatureV4.stringToSign(amzDate, date + "/" + region + "/lambda/aws4_request", canonical));
        return "AWS4-HMAC-SHA256 Credential=test/" + date + "/" + region + "/lambda/aws4_request, SignedHeaders=" + String.join(";", signed)
                + ", Signature=" + signature;
    }

    /** {@code instant} as {@code X-Amz-Date} writes it. */
    public static String amzDate(Instant instant) {
        return SignatureV4.AMZ_DATE.format(instant);
    }
}
