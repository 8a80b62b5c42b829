package io.tandem.router.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The check against the signatures AWS publishes: cases of its Signature Version 4 test suite (get-vanilla,
 * get-vanilla-query-order-key-case, post-vanilla, with the documented example credentials) and S3's documented
 * GET Object example (which signs {@code X-Amz-Content-Sha256}); then what it refuses.
 */
class SignatureV4Test {
    static final String SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final Instant SUITE_TIME = Instant.parse("2015-08-30T12:36:00Z");
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    static SignatureV4.Request request(String method, String path, String query, Map<String, String> headers, String body) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> byName.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        return new SignatureV4.Request(method, path, query, byName::get, body.getBytes(StandardCharsets.UTF_8));
    }

    static String suiteAuthorization(String signature) {
        return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + signature;
    }

    static Map<String, String> suiteHeaders(String signature) {
        return Map.of("Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z", "Authorization", suiteAuthorization(signature));
    }

    @Test
    void acceptsTheSuitesGetVanilla() {
        var r = request("GET", "/", null, suiteHeaders("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME)).isEqualTo(new SignatureV4.Valid("AKIDEXAMPLE", "us-east-1"));
    }

    @Test
    void acceptsTheSuitesQueryInAnyOrder() {
        var r = request("GET", "/", "Param2=value2&Param1=value1", suiteHeaders("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"), "");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME)).isInstanceOf(SignatureV4.Valid.class);
    }

    @Test
    void acceptsTheSuitesPostVanilla() {
        var r = request("POST", "/", null, suiteHeaders("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"), "");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME)).isInstanceOf(SignatureV4.Valid.class);
    }

    @Test
    void acceptsS3sDocumentedGetObjectWithItsContentHash() {
        var r = request("GET", "/test.txt", null, Map.of("Host", "examplebucket.s3.amazonaws.com", "Range", "bytes=0-9",
                "x-amz-content-sha256", EMPTY_SHA256, "x-amz-date", "20130524T000000Z",
                "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"), "");
        assertThat(SignatureV4.verify(r, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "s3", Instant.parse("2013-05-24T00:05:00Z")))
                .isEqualTo(new SignatureV4.Valid("AKIAIOSFODNN7EXAMPLE", "us-east-1"));
    }

    @Test
    void refusesAnotherSecret() {
        var r = request("GET", "/", null, suiteHeaders("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
        assertThat(SignatureV4.verify(r, SUITE_SECRET + "x", "service", SUITE_TIME))
                .isEqualTo(new SignatureV4.Refused("InvalidSignatureException", "the request signature does not match the one computed with this server's secret"));
    }

    @Test
    void refusesABodyOtherThanTheSignedOne() {
        var r = request("POST", "/", null, suiteHeaders("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"), "{}");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME)).isInstanceOf(SignatureV4.Refused.class);
    }

    @Test
    void refusesARequestSignedMoreThanFifteenMinutesAway() {
        var r = request("GET", "/", null, suiteHeaders("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME.plusSeconds(14 * 60))).isInstanceOf(SignatureV4.Valid.class);
        var late = SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME.plusSeconds(16 * 60));
        assertThat(late).isInstanceOf(SignatureV4.Refused.class);
        assertThat(((SignatureV4.Refused) late).message()).startsWith("Signature expired: 20150830T123600Z");
        assertThat(SignatureV4.verify(r, SUITE_SECRET, "service", SUITE_TIME.minusSeconds(16 * 60))).isInstanceOf(SignatureV4.Refused.class);
    }

    @Test
    void refusesAnUnsignedRequestAsMissingAuthentication() {
        var r = request("POST", "/", null, Map.of("Host", "example.amazonaws.com"), "");
        assertThat(((SignatureV4.Refused) SignatureV4.verify(r, SUITE_SECRET, "lambda", SUITE_TIME)).errorType()).isEqualTo("MissingAuthenticationTokenException");
    }

    @Test
    void refusesAnotherServicesScopeAndAHeaderMissingFromTheRequest() {
        var r = request("GET", "/", null, suiteHeaders("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"), "");
        assertThat(((SignatureV4.Refused) SignatureV4.verify(r, SUITE_SECRET, "lambda", SUITE_TIME)).message()).contains("scoped to service 'service'");
        var noDate = request("GET", "/", null, Map.of("Host", "example.amazonaws.com",
                "Authorization", suiteAuthorization("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")), "");
        assertThat(((SignatureV4.Refused) SignatureV4.verify(noDate, SUITE_SECRET, "service", SUITE_TIME)).errorType()).isEqualTo("IncompleteSignatureException");
    }

    @Test
    void signsAnArnsPathEncodedTwiceAsTheSdksDo() {
        assertThat(SignatureV4.canonicalPath("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ahello/invocations"))
                .isEqualTo("/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A1%253Afunction%253Ahello/invocations");
        assertThat(SignatureV4.canonicalQuery("Qualifier=%24LATEST&A=b c")).isEqualTo("A=b%20c&Qualifier=%24LATEST");
    }
}
