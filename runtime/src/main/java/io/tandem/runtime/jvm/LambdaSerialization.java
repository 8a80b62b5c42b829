package io.tandem.runtime.jvm;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@code RequestHandler}'s input and output as AWS Lambda's Java runtime maps them, with AWS's own serialization
 * library: the event types of {@code aws-lambda-java-events} with their real key casing ({@code Records},
 * {@code Sns}, {@code EventSource}) and Joda dates, everything else with that library's Jackson configuration.
 *
 * <p>Two Tandem additions, both for calls over plain HTTP: a {@code String} input whose body is not a JSON value
 * gets the body as text (Lambda would refuse it), and a {@code byte[]} input gets the raw bytes. An empty body is
 * {@code null}.
 *
 * <p>Thread-safe: the serializers are, and the output cache is a concurrent map.
 */
final class LambdaSerialization {
    private final Type inputType;
    private final ClassLoader functionLoader;
    private final PojoSerializer<Object> input;
    private final ConcurrentMap<Class<?>, PojoSerializer<Object>> outputs = new ConcurrentHashMap<>();

    /** Builds the input's serializer now, so the first call does not pay for it. */
    LambdaSerialization(Type inputType, Type outputType, ClassLoader functionLoader) {
        this.inputType = inputType;
        this.functionLoader = functionLoader;
        this.input = isRaw(inputType) ? null : serializerFor(inputType);
        if (outputType instanceof Class<?> c && c != Object.class && c != void.class && c != Void.class && !c.isInterface()) {
            outputs.put(c, serializerFor(c));
        }
    }

    /** The input the handler gets for {@code body}; an {@link IllegalArgumentException} says why it cannot be read. */
    Object read(byte[] body) {
        if (inputType == byte[].class) return body;
        if (inputType == Void.class || inputType == void.class || body.length == 0) return null;
        if (inputType == String.class) return jsonStringOrText(body);
        try {
            return input.fromJson(new ByteArrayInputStream(body));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(rootMessage(e), e);
        }
    }

    /** The handler's result as JSON; {@code null} is {@code null}, as Lambda answers it. */
    byte[] write(Object result) {
        if (result == null) return "null".getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream();
        outputs.computeIfAbsent(result.getClass(), this::serializerFor).toJson(result, out);
        return out.toByteArray();
    }

    private Object jsonStringOrText(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.stripLeading().startsWith("\"")) return text;
        try {
            return input.fromJson(text);
        } catch (RuntimeException notJson) {
            return text;
        }
    }

    @SuppressWarnings("unchecked")
    private PojoSerializer<Object> serializerFor(Type type) {
        if (type instanceof Class<?> c && LambdaEventSerializers.isLambdaSupportedEvent(c.getName())) {
            return (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(c, functionLoader);
        }
        return JacksonFactory.getInstance().getSerializer(type);
    }

    private static boolean isRaw(Type type) {
        return type == byte[].class || type == Void.class || type == void.class;
    }

    /** The message of the innermost cause: the serialization library wraps Jackson's precise one. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int location = message.indexOf("\n at [Source");
        return location > 0 ? message.substring(0, location) : message;
    }
}
