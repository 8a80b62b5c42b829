package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.lang.reflect.ParameterizedType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TypeArgumentsTest {
    static class Direct implements RequestHandler<Map<String, Integer>, String> {
        public String handleRequest(Map<String, Integer> input, Context context) {
            return "";
        }
    }

    abstract static class Base<T, R> implements RequestHandler<R, T> {
    }

    static class Swapped extends Base<Long, List<String>> {
        public Long handleRequest(List<String> input, Context context) {
            return 0L;
        }
    }

    @SuppressWarnings("rawtypes")
    static class Raw implements RequestHandler {
        public Object handleRequest(Object input, Context context) {
            return input;
        }
    }

    @Test
    void readsTheArgumentsOfADirectImplementation() {
        var arguments = TypeArguments.of(Direct.class, RequestHandler.class);

        assertThat(arguments[0]).isInstanceOf(ParameterizedType.class).hasToString("java.util.Map<java.lang.String, java.lang.Integer>");
        assertThat(arguments[1]).isEqualTo(String.class);
    }

    @Test
    void followsTypeVariablesThroughASuperclassThatReordersThem() {
        var arguments = TypeArguments.of(Swapped.class, RequestHandler.class);

        assertThat(arguments[0]).hasToString("java.util.List<java.lang.String>");
        assertThat(arguments[1]).isEqualTo(Long.class);
    }

    @Test
    void rawImplementationReadsAsObject() {
        assertThat(TypeArguments.of(Raw.class, RequestHandler.class)).containsExactly(Object.class, Object.class);
    }

    @Test
    void unrelatedClassHasNone() {
        assertThat(TypeArguments.of(String.class, RequestHandler.class)).isNull();
    }
}
