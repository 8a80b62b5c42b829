package io.tandem.runtime.jvm;

import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.Callable;

/** Carries what a function threw out of the adapter code, so it is not confused with a broken connection. */
final class FunctionFailure extends RuntimeException {
    private FunctionFailure(Throwable cause) {
        super(cause);
    }

    /** Runs user code: anything it throws, reflection's wrapper removed, comes out as a {@code FunctionFailure}. */
    static <T> T call(Callable<T> userCode) {
        try {
            return userCode.call();
        } catch (InvocationTargetException e) {
            throw new FunctionFailure(e.getCause() == null ? e : e.getCause());
        } catch (Exception | LinkageError | StackOverflowError | AssertionError e) {
            throw new FunctionFailure(e);
        }
    }
}
