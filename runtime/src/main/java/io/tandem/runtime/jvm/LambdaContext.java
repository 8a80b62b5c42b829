package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Lambda's {@link Context} for one invocation. Names follow Lambda's shapes with {@code tandem} in place of
 * {@code aws}; the memory limit and log names are those of {@link LambdaVariables}; there is no Cognito identity
 * or client context.
 */
record LambdaContext(Invocation invocation) implements Context {
    private static final long PID = ProcessHandle.current().pid();

    @Override
    public String getAwsRequestId() {
        return invocation.requestId();
    }

    @Override
    public String getLogGroupName() {
        return System.getenv().getOrDefault(LambdaVariables.LOG_GROUP, "/tandem/" + invocation.functionName());
    }

    @Override
    public String getLogStreamName() {
        return System.getenv().getOrDefault(LambdaVariables.LOG_STREAM, "instance-" + PID);
    }

    @Override
    public String getFunctionName() {
        return invocation.functionName();
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:tandem:function:" + invocation.functionName();
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        long left = Duration.between(Instant.now(), invocation.deadline()).toMillis();
        return (int) Math.clamp(left, 0, Integer.MAX_VALUE);
    }

    /** The function's memory limit when it has one, else the JVM's maximum heap. */
    @Override
    public int getMemoryLimitInMB() {
        try {
            return Integer.parseInt(System.getenv().getOrDefault(LambdaVariables.MEMORY, ""));
        } catch (NumberFormatException unset) {
            return (int) LambdaVariables.heapMegabytes();
        }
    }

    @Override
    public LambdaLogger getLogger() {
        String prefix = "[" + invocation.requestId() + "] ";
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                System.err.println(prefix + message);
            }

            @Override
            public void log(byte[] message) {
                log(new String(message, StandardCharsets.UTF_8));
            }
        };
    }
}
