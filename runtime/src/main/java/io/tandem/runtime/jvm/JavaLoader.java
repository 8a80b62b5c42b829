package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import io.tandem.function.Context;
import io.tandem.function.Handler;
import io.tandem.function.Request;
import io.tandem.function.Response;
import io.tandem.runtime.Invoker;
import io.tandem.runtime.Json;
import io.tandem.runtime.LoadException;
import io.tandem.runtime.Loader;
import io.tandem.runtime.Replies;
import io.tandem.runtime.Specialization;
import io.tandem.runtime.WarmUpExchange;
import io.tandem.runtime.jvm.warmup.WarmUpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Loads a function for the {@code java} runtime: its code in a fresh class loader under {@link SharedApiClassLoader},
 * its handler class initialized and instantiated once, and the classes of the handler's package loaded, so the first
 * invocation finds everything ready.
 *
 * <p>The entrypoint {@code pkg.Class} must implement {@link Handler}, {@link RequestHandler} or
 * {@link RequestStreamHandler}. {@code pkg.Class::method} may also name any public method shaped like one of them:
 * {@code (Request, Context) -> Response}, {@code (I[, Context]) -> O} or
 * {@code (InputStream, OutputStream[, Context])} with Lambda's {@code Context}; a static method needs no instance.
 */
public final class JavaLoader implements Loader {
    private static final int PRELOADED_CLASSES = 64;

    private final ClassLoader shared = new SharedApiClassLoader(JavaLoader.class.getClassLoader());

    @Override
    public Invoker load(Specialization spec) throws LoadException {
        Entrypoint entrypoint = Entrypoint.parse(spec.entrypoint());
        if (spec.code() == null) throw new LoadException("no code: give the path of a jar or of a directory of classes and jars");
        FunctionClasspath classpath = FunctionClasspath.of(Path.of(spec.code()));
        var loader = new URLClassLoader("function-" + spec.function(), classpath.urls(), shared);
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Class<?> handlerClass = loadHandlerClass(loader, entrypoint.className(), classpath);
            Invoker invoker = bind(handlerClass, entrypoint.method(), loader, spec);
            preload(loader, classpath, handlerClass.getPackageName());
            return invoker;
        } catch (LoadException | RuntimeException e) {
            closeQuietly(loader);
            throw e;
        } catch (LinkageError e) {
            closeQuietly(loader);
            throw new LoadException("class " + entrypoint.className() + " cannot be bound: " + Replies.describe(e)
                    + " (is the library it needs in the jar, or in lib/ of the code directory?)");
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * Loads the runtime's own {@link WarmUpHandler} as a function is loaded, from the runtime's jar through a class
     * loader of its own (the jar opened, listed and read, the class defined, verified and bound), and works out the
     * variables Lambda sets for it (without setting them), then runs the invocation path of each kind of handler once
     * through an in-memory exchange: a first real specialization and call then find that code linked and warm. Cold,
     * a first reading of a jar cost a specialization about 15 ms, and the Lambda variables about 11 ms.
     */
    @Override
    public void warmUp() {
        var spec = new Specialization("warm-up", runtimeCode(), WarmUpHandler.class.getName(), List.of(), 1_000L, Map.of());
        variables(spec, System.getenv());
        try {
            if (spec.code() != null) {
                Invoker loaded = load(spec);
                loaded.invoke(new WarmUpExchange("POST", "/warm?up=1", "{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}"));
                loaded.close();
            }
            ClassLoader own = JavaLoader.class.getClassLoader();
            bind(WarmUpHandler.class, "greet", own, spec).invoke(new WarmUpExchange("GET", "/warm?name=up%20x", ""));
            bind(WarmUpHandler.class, "echo", own, spec).invoke(new WarmUpExchange("POST", "/warm", "up"));
            bind(WarmUpHandler.class, null, own, spec).invoke(new WarmUpExchange("POST", "/warm", "{not json"));
            Json.MAPPER.writeValueAsBytes(Map.of("function", "warm-up", "loadMillis", 1L));
        } catch (IOException | LoadException e) {
            System.err.println("tandem-runtime: warm-up failed, the first specialization will be slower: " + e);
        }
    }

    /** What Lambda's Java runtime sets: {@link LambdaVariables}. */
    @Override
    public Map<String, String> variables(Specialization spec, Map<String, String> current) {
        return LambdaVariables.of(spec, current);
    }

    /** The runtime's jar (or class directory), where the warm-up handler is read from; null when it cannot be told. */
    private static String runtimeCode() {
        try {
            CodeSource source = WarmUpHandler.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static Class<?> loadHandlerClass(ClassLoader loader, String className, FunctionClasspath classpath) throws LoadException {
        try {
            return Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new LoadException("class " + className + " not found in " + classpath.code());
        } catch (ExceptionInInitializerError e) {
            throw new LoadException("static initialization of " + className + " failed: " + Replies.describe(e.getCause()));
        } catch (LinkageError e) {
            throw new LoadException("class " + className + " cannot be loaded: " + Replies.describe(e)
                    + " (is the library it needs in the jar, or in lib/ of the code directory?)");
        }
    }

    private static Invoker bind(Class<?> type, String method, ClassLoader loader, Specialization spec) throws LoadException {
        if (method == null || isInterfaceMethod(type, method)) return bindInterface(type, loader, spec);
        return bindMethod(type, method, loader, spec);
    }

    private static boolean isInterfaceMethod(Class<?> type, String method) {
        return (method.equals("handle") && Handler.class.isAssignableFrom(type))
                || (method.equals("handleRequest") && (RequestHandler.class.isAssignableFrom(type) || RequestStreamHandler.class.isAssignableFrom(type)));
    }

    @SuppressWarnings("unchecked")
    private static Invoker bindInterface(Class<?> type, ClassLoader loader, Specialization spec) throws LoadException {
        String function = spec.function();
        long timeout = spec.timeoutMs();
        if (Handler.class.isAssignableFrom(type)) {
            return new TandemInvoker((Handler) instantiate(type), loader, function, timeout);
        }
        if (RequestStreamHandler.class.isAssignableFrom(type)) {
            var handler = (RequestStreamHandler) instantiate(type);
            return new StreamInvoker(handler::handleRequest, loader, function, timeout);
        }
        if (RequestHandler.class.isAssignableFrom(type)) {
            var handler = (RequestHandler<Object, Object>) instantiate(type);
            Type[] io = TypeArguments.of(type, RequestHandler.class);
            return new LambdaInvoker(io[0], io[1], handler::handleRequest, loader, function, timeout);
        }
        throw new LoadException("class " + type.getName() + " does not implement " + Handler.class.getName() + ", "
                + RequestHandler.class.getName() + " or " + RequestStreamHandler.class.getName());
    }

    private static Invoker bindMethod(Class<?> type, String name, ClassLoader loader, Specialization spec) throws LoadException {
        List<Method> candidates = Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals(name) && !m.isBridge() && !m.isSynthetic())
                .sorted(Comparator.comparingInt(Method::getParameterCount).reversed())
                .toList();
        if (candidates.isEmpty()) throw new LoadException("class " + type.getName() + " has no public method " + name);
        for (Method method : candidates) {
            Invoker invoker = bindMethod(type, method, loader, spec);
            if (invoker != null) return invoker;
        }
        throw new LoadException("method " + type.getName() + "::" + name + " has no supported signature: use (Request, Context) -> Response,"
                + " (I[, com.amazonaws.services.lambda.runtime.Context]) -> O or (InputStream, OutputStream[, com.amazonaws.services.lambda.runtime.Context])");
    }

    /** Binds {@code method} if its parameters have one of the supported shapes; null otherwise. */
    private static Invoker bindMethod(Class<?> type, Method method, ClassLoader loader, Specialization spec) throws LoadException {
        Class<?>[] p = method.getParameterTypes();
        boolean lambdaContextLast = p.length > 0 && p[p.length - 1] == com.amazonaws.services.lambda.runtime.Context.class;
        if (p.length == 2 && p[0] == Request.class && p[1] == Context.class && Response.class.isAssignableFrom(method.getReturnType())) {
            Object target = targetOf(type, method);
            Handler handler = (request, context) -> (Response) method.invoke(target, request, context);
            return new TandemInvoker(handler, loader, spec.function(), spec.timeoutMs());
        }
        if ((p.length == 2 || (p.length == 3 && lambdaContextLast)) && p[0] == InputStream.class && p[1] == OutputStream.class) {
            Object target = targetOf(type, method);
            StreamInvoker.Call call = p.length == 2
                    ? (in, out, context) -> method.invoke(target, in, out)
                    : (in, out, context) -> method.invoke(target, in, out, context);
            return new StreamInvoker(call, loader, spec.function(), spec.timeoutMs());
        }
        if (p.length <= 1 || (p.length == 2 && lambdaContextLast)) {
            Object target = targetOf(type, method);
            Type input = p.length == 0 ? Void.class : method.getGenericParameterTypes()[0];
            LambdaInvoker.Call call = switch (p.length) {
                case 0 -> (in, context) -> method.invoke(target);
                case 1 -> (in, context) -> method.invoke(target, in);
                default -> (in, context) -> method.invoke(target, in, context);
            };
            return new LambdaInvoker(input, method.getGenericReturnType(), call, loader, spec.function(), spec.timeoutMs());
        }
        return null;
    }

    private static Object targetOf(Class<?> type, Method method) throws LoadException {
        return Modifier.isStatic(method.getModifiers()) ? null : instantiate(type);
    }

    private static Object instantiate(Class<?> type) throws LoadException {
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
            throw new LoadException("class " + type.getName() + " is abstract: name a concrete class");
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new LoadException("class " + type.getName() + " has no public no-arg constructor");
        }
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new LoadException("constructor of " + type.getName() + " failed: " + Replies.describe(e.getCause()));
        } catch (IllegalAccessException e) {
            throw new LoadException("class " + type.getName() + " is not public");
        } catch (InstantiationException e) {
            throw new LoadException("class " + type.getName() + " cannot be instantiated: " + e.getMessage());
        }
    }

    /** Loads, without initializing, the other classes of the handler's package: they are likely on the first call's path. */
    private static void preload(ClassLoader loader, FunctionClasspath classpath, String packageName) {
        for (String name : classpath.classesIn(packageName, PRELOADED_CLASSES)) {
            try {
                Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError ignored) {
                // A class the function never uses may well miss an optional dependency.
            }
        }
    }

    private static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // Closing only releases open jar files.
        }
    }
}
