package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.runtime.LoadException;
import org.junit.jupiter.api.Test;

class EntrypointTest {

    @Test
    void parsesAClassAndAnOptionalMethod() throws LoadException {
        assertThat(Entrypoint.parse("example.Hello")).isEqualTo(new Entrypoint("example.Hello", null));
        assertThat(Entrypoint.parse(" example.Outer$Inner::handleRequest ")).isEqualTo(new Entrypoint("example.Outer$Inner", "handleRequest"));
    }

    @Test
    void refusesWhatCannotNameAClass() {
        assertThatThrownBy(() -> Entrypoint.parse("example..Hello")).isInstanceOf(LoadException.class).hasMessageContaining("bad entrypoint");
        assertThatThrownBy(() -> Entrypoint.parse("example.Hello::")).isInstanceOf(LoadException.class);
        assertThatThrownBy(() -> Entrypoint.parse("example/Hello.class")).isInstanceOf(LoadException.class);
        assertThatThrownBy(() -> Entrypoint.parse(" ")).isInstanceOf(LoadException.class).hasMessageContaining("no entrypoint");
    }
}
