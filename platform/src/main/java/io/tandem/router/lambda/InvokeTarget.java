package io.tandem.router.lambda;

/**
 * The function an Invoke names in its path: a name ({@code hello}), a name with a qualifier ({@code hello:$LATEST}),
 * a partial ARN ({@code 123456789012:function:hello}) or a full one
 * ({@code arn:aws:lambda:us-east-1:123456789012:function:hello[:qualifier]}); the {@code Qualifier} parameter may
 * name the qualifier instead. Tandem keeps one version of each function, so the only qualifier is {@code $LATEST}.
 */
public record InvokeTarget(String function, String qualifier) {
    public static final String LATEST = "$LATEST";

    /** Thrown for a name, qualifier or parameter of an Invoke that the API refuses; carries the error to answer with. */
    public static final class Invalid extends RuntimeException {
        private final transient LambdaError.ServiceError error;

        public Invalid(LambdaError.ServiceError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public LambdaError.ServiceError error() {
            return error;
        }
    }

    /**
     * The target that {@code name} (the path segment, decoded) and {@code qualifierParam} (null when absent) name;
     * throws {@link Invalid} for a malformed name (400), two qualifiers that differ (400) or a qualifier other than
     * {@code $LATEST} (404, as Lambda answers for a version or alias it does not have).
     */
    public static InvokeTarget parse(String name, String qualifierParam) {
        String[] parts = name.split(":", -1);
        String function;
        String qualifier;
        if (parts.length >= 7 && parts[0].equals("arn") && parts[2].equals("lambda") && parts[5].equals("function")) {
            if (parts.length > 8) throw invalid(name);
            function = parts[6];
            qualifier = parts.length == 8 ? parts[7] : null;
        } else if (parts.length >= 3 && parts[1].equals("function")) {
            if (parts.length > 4) throw invalid(name);
            function = parts[2];
            qualifier = parts.length == 4 ? parts[3] : null;
        } else if (parts.length <= 2) {
            function = parts[0];
            qualifier = parts.length == 2 ? parts[1] : null;
        } else {
            throw invalid(name);
        }
        if (function.isEmpty() || (qualifier != null && qualifier.isEmpty())) throw invalid(name);
        if (qualifier != null && qualifierParam != null && !qualifier.equals(qualifierParam)) {
            throw new Invalid(LambdaError.user(400, LambdaError.INVALID_PARAMETER, "the qualifier in the function name (" + qualifier
                    + ") is not the Qualifier parameter (" + qualifierParam + ")"));
        }
        String q = qualifier != null ? qualifier : qualifierParam;
        if (q != null && !q.equals(LATEST)) {
            throw new Invalid(LambdaError.user(404, LambdaError.RESOURCE_NOT_FOUND, "Function not found: " + function + ":" + q
                    + " (Tandem keeps one version of each function, $LATEST; it has no published versions or aliases)"));
        }
        return new InvokeTarget(function, LATEST);
    }

    private static Invalid invalid(String name) {
        return new Invalid(LambdaError.user(400, LambdaError.INVALID_PARAMETER, "'" + name + "' is not a function name, name:qualifier or"
                + " function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])"));
    }
}
