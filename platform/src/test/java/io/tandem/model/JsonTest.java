package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    record Inner(int port) {
    }

    record Outer(List<Inner> targets) {
    }

    @Test
    void pathOfAMappingFailureNamesFieldsAndListIndexes() {
        JsonMappingException e = catchThrowableOfType(JsonMappingException.class,
                () -> Json.MAPPER.readValue("{\"targets\": [{\"port\": 1}, {\"port\": \"high\"}]}", Outer.class));

        assertThat(Json.pathOf(e)).isEqualTo("targets[1].port");
    }

    @Test
    void pathOfAFailureAtTheTopIsEmpty() {
        JsonMappingException e = catchThrowableOfType(JsonMappingException.class, () -> Json.MAPPER.readValue("[1]", Outer.class));

        assertThat(Json.pathOf(e)).isEmpty();
    }
}
