package io.tandem.controller;

import io.tandem.controller.store.ResourceStore.Transaction;
import io.tandem.http.ApiException;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.ExecutorType;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.InvalidResourceException;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Names;
import io.tandem.model.Resource;
import io.tandem.model.Resource.Kind;
import io.tandem.model.Runtime;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import io.tandem.packages.PackageStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The rules a write must pass, checked inside the store transaction that carries it out, so what they read (the
 * environment a function names, the triggers a new one could clash with) cannot change before the write commits.
 * Every refusal is an {@link ApiException} naming the rule and the resources involved.
 */
final class Admission {
    /**
     * Present from the first start; they may be replaced but not deleted. The lambda ones have no warm pool: each
     * node would keep a JVM idle for functions most servers never deploy. {@code python-lambda} and
     * {@code nodejs-lambda} run Lambda handlers with Tandem's own runtime interface clients ({@code {clients}}, put on
     * each node by its agent), with nothing to install but {@code python3} or {@code node}.
     */
    static final Map<String, EnvironmentSpec> BUILT_IN_ENVIRONMENTS = Map.of(
            "java", new EnvironmentSpec(Runtime.JAVA, null, null, null),
            "exec", new EnvironmentSpec(Runtime.EXEC, null, null, null),
            "http", new EnvironmentSpec(Runtime.HTTP, null, null, null),
            "lambda", new EnvironmentSpec(Runtime.LAMBDA, null, 0, null),
            "python-lambda", new EnvironmentSpec(Runtime.LAMBDA, "python3 {clients}/python/bootstrap.py {handler}", 0, null),
            "nodejs-lambda", new EnvironmentSpec(Runtime.LAMBDA, "node {clients}/node/bootstrap.mjs {handler}", 0, null));

    private final PackageStore packages;

    Admission(PackageStore packages) {
        this.packages = packages;
    }

    /** Returns the resource to store: {@code r} checked, with its code reference completed from the package store. */
    Resource admit(Transaction tx, Resource r) {
        try {
            Names.require("metadata.name", r.name());
            return switch (r) {
                case Environment e -> admitEnvironment(e);
                case Function f -> admitFunction(tx, f);
                case HttpTrigger t -> admitTrigger(tx, t);
                case TimeTrigger t -> admitTimer(tx, t);
                case MessageQueueTrigger t -> admitMessageQueueTrigger(tx, t);
            };
        } catch (InvalidResourceException e) {
            throw RequestBodies.invalid(e, r.kind());
        }
    }

    private Environment admitEnvironment(Environment e) {
        EnvironmentSpec spec = requireSpec(e.spec(), Kind.ENVIRONMENT);
        spec.validate();
        return e;
    }

    private Function admitFunction(Transaction tx, Function f) {
        FunctionSpec s = requireSpec(f.spec(), Kind.FUNCTION);
        s.validate();
        CodeRef code = s.code();
        if (!PackageStore.isSha256(code.sha256())) {
            throw ApiException.badRequest("invalid Function: spec.code.sha256 " + (code.sha256() == null ? "is missing" : "'" + code.sha256() + "' is not a SHA-256"),
                    "upload the package with POST /v1/packages and use the sha256 it returns (tandem fn create --code does both)");
        }
        CodeRef stored = packages.describe(code.sha256()).orElseThrow(() -> ApiException.unprocessable(
                "package " + code.sha256() + " named by spec.code is not in the package store",
                "upload it first with POST /v1/packages (tandem fn create --code uploads it for you)"));
        Environment env = (Environment) tx.get(Kind.ENVIRONMENT, s.environment()).orElseThrow(() -> ApiException.unprocessable(
                "environment '" + s.environment() + "' named by spec.environment does not exist",
                "create it first (tandem env create --name " + s.environment() + " ...), or use one of: " + names(tx.list(Kind.ENVIRONMENT))));
        if (env.spec().runtime() == Runtime.JAVA && (s.entrypoint() == null || s.entrypoint().isBlank())) {
            throw ApiException.badRequest("invalid Function: spec.entrypoint is missing, and the java runtime needs it",
                    "give the handler class, such as example.Hello (or example.Hello::handleRequest)");
        }
        boolean namesHandler = env.spec().command() != null && env.spec().command().contains("{handler}");
        if (namesHandler && (s.entrypoint() == null || s.entrypoint().isBlank())) {
            throw ApiException.badRequest("invalid Function: spec.entrypoint is missing, and environment '" + s.environment() + "' runs the handler it names",
                    "give the Lambda handler, such as app.handler (module app, function handler) or index.handler (file index.js, export handler)");
        }
        CodeRef resolved = new CodeRef(code.sha256(), code.filename() != null ? code.filename() : stored.filename(), stored.size(), stored.kind());
        return new Function(f.metadata(), s.withCode(resolved));
    }

    private HttpTrigger admitTrigger(Transaction tx, HttpTrigger t) {
        HttpTriggerSpec s = requireSpec(t.spec(), Kind.HTTP_TRIGGER);
        s.validate();
        requireFunction(tx, s.function(), "trigger");
        for (Resource other : tx.list(Kind.HTTP_TRIGGER)) {
            HttpTriggerSpec o = ((HttpTrigger) other).spec();
            if (!other.name().equals(t.name()) && clash(s, o)) {
                throw ApiException.conflict("HttpTrigger '" + t.name() + "' (" + s.method() + " " + s.path() + ") clashes with HttpTrigger '"
                        + other.name() + "' (" + o.method() + " " + o.path() + "), which routes to function '" + o.function() + "'",
                        "pick another path or method, or delete HttpTrigger '" + other.name() + "' first");
            }
        }
        return t;
    }

    /** The schedule must parse and fire at some time; the function must exist (a timer for nothing could only fail). */
    private TimeTrigger admitTimer(Transaction tx, TimeTrigger t) {
        TimeTriggerSpec s = requireSpec(t.spec(), Kind.TIME_TRIGGER);
        s.validate();
        requireFunction(tx, s.function(), "timer");
        return t;
    }

    /** The function must exist, as for a timer: messages for nothing would all end as dead letters. */
    private MessageQueueTrigger admitMessageQueueTrigger(Transaction tx, MessageQueueTrigger t) {
        MessageQueueTriggerSpec s = requireSpec(t.spec(), Kind.MESSAGE_QUEUE_TRIGGER);
        s.validate();
        requireFunction(tx, s.function(), "message queue trigger");
        return t;
    }

    /** A trigger's function must exist when the trigger is admitted; {@code what} names the trigger in the fix. */
    private static void requireFunction(Transaction tx, String function, String what) {
        if (tx.get(Kind.FUNCTION, function).isEmpty()) {
            throw ApiException.unprocessable("function '" + function + "' named by spec.function does not exist",
                    "create the function first, then its " + what);
        }
    }

    /** Same method (or either takes all) and the same path once {@code {param}} names are set aside. */
    static boolean clash(HttpTriggerSpec a, HttpTriggerSpec b) {
        boolean methods = a.method().equals(b.method()) || a.method().equals("*") || b.method().equals("*");
        return methods && pattern(a.path()).equals(pattern(b.path()));
    }

    private static String pattern(String path) {
        return path.replaceAll("\\{[^/}]*}", "{}");
    }

    /** Refuses to delete what others still need. */
    void admitDelete(Transaction tx, Kind kind, String name) {
        if (kind != Kind.ENVIRONMENT) return;
        if (BUILT_IN_ENVIRONMENTS.containsKey(name)) {
            throw ApiException.conflict("environment '" + name + "' is built in and cannot be deleted",
                    "replace its settings with PUT /v1/environments/" + name + " instead");
        }
        List<String> users = tx.list(Kind.FUNCTION).stream()
                .filter(f -> name.equals(((Function) f).spec().environment())).map(Resource::name).toList();
        if (!users.isEmpty()) {
            throw ApiException.conflict("environment '" + name + "' is used by function(s) " + String.join(", ", users),
                    "delete those functions, or move them to another environment, first");
        }
    }

    /** Whether {@code sha256} is the code of a function; such a package may not be deleted. */
    static Optional<String> userOfPackage(Transaction tx, String sha256) {
        return tx.list(Kind.FUNCTION).stream()
                .filter(f -> sha256.equals(((Function) f).spec().code().sha256())).map(Resource::name).findFirst();
    }

    private static <S> S requireSpec(S spec, Kind kind) {
        if (spec == null) throw new InvalidResourceException("spec", "missing: see the " + kind.wireName() + " schema in /v1/openapi.yaml");
        return spec;
    }

    private static String names(List<Resource> resources) {
        return resources.stream().map(Resource::name).collect(Collectors.joining(", "));
    }
}
