package io.tandem.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.http.BearerToken.Verdict;
import org.junit.jupiter.api.Test;

class BearerTokenTest {
    private final BearerToken token = new BearerToken("abc");

    @Test
    void acceptsTheTokenUnderTheBearerSchemeInAnyCase() {
        assertThat(token.check("Bearer abc")).isEqualTo(Verdict.VALID);
        assertThat(token.check("bearer abc ")).isEqualTo(Verdict.VALID);
    }

    @Test
    void refusesAPrefixOrALongerTokenAsWrong() {
        assertThat(token.check("Bearer ab")).isEqualTo(Verdict.WRONG);
        assertThat(token.check("Bearer abcd")).isEqualTo(Verdict.WRONG);
    }

    @Test
    void callsAHeaderWithoutTheSchemeMissing() {
        assertThat(token.check("abc")).isEqualTo(Verdict.MISSING);
        assertThat(token.check(null)).isEqualTo(Verdict.MISSING);
        assertThat(token.matches(null)).isFalse();
    }
}
