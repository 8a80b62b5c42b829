package io.tandem.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The API token a role's routes require, sent as {@code Authorization: Bearer TOKEN} (the scheme in any case) and
 * compared in time that does not depend on where the first wrong byte is, so that timing cannot reveal a prefix.
 * Immutable and thread-safe.
 */
public final class BearerToken {
    /** What a request's {@code Authorization} header shows. */
    public enum Verdict { VALID, MISSING, WRONG }

    private static final String SCHEME = "Bearer ";

    private final byte[] token;

    public BearerToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public Verdict check(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) return Verdict.MISSING;
        byte[] given = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token) ? Verdict.VALID : Verdict.WRONG;
    }

    public boolean matches(String authorization) {
        return check(authorization) == Verdict.VALID;
    }

    /** A route handler that passes a request with the token on and answers any other with {@code refusal}. */
    public Handler<RoutingContext> guard(ApiException refusal) {
        return ctx -> {
            if (matches(ctx.request().getHeader("Authorization"))) ctx.next();
            else ErrorReply.send(ctx.response(), refusal);
        };
    }
}
