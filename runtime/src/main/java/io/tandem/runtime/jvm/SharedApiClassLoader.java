package io.tandem.runtime.jvm;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The parent of every function class loader: the JDK, plus the two handler APIs taken from the runtime, so the
 * runtime and the function agree on {@code Handler} and {@code RequestHandler}. Nothing else of the runtime
 * (Jackson, its own classes) is visible, so a function may bundle other versions of them. Delegation stays
 * parent-first: a function jar that bundles aws-lambda-java-core still gets the runtime's copy of those
 * interfaces, while classes the runtime lacks (aws-lambda-java-events, say) come from the jar.
 */
final class SharedApiClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private static final String[] SHARED_PACKAGES = {"io.tandem.function.", "com.amazonaws.services.lambda.runtime."};

    /**
     * Inside the shared Lambda package but no part of its API: the event types come from the function's jar (the
     * runtime has none), the serialization library is the runtime's own (a function may bundle another version).
     */
    private static final String[] NOT_SHARED = {"com.amazonaws.services.lambda.runtime.events.", "com.amazonaws.services.lambda.runtime.serialization."};

    private final ClassLoader runtime;

    SharedApiClassLoader(ClassLoader runtime) {
        super("tandem-shared-api", ClassLoader.getPlatformClassLoader());
        this.runtime = runtime;
    }

    static boolean isShared(String className) {
        for (String prefix : NOT_SHARED) {
            if (className.startsWith(prefix)) return false;
        }
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) return true;
        }
        return false;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (isShared(name)) return runtime.loadClass(name);
        throw new ClassNotFoundException(name);
    }

    @Override
    protected URL findResource(String name) {
        return isShared(name.replace('/', '.')) ? runtime.getResource(name) : null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        return isShared(name.replace('/', '.')) ? runtime.getResources(name) : Collections.emptyEnumeration();
    }
}
