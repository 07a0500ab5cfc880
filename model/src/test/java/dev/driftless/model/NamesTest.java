package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "api", "app-1", "db-primary-2", "x123456789012345678901234567890123456789012345678901234567890ab"})
    void safeNames(String name) {
        assertThat(Names.isName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Api", "1api", "-api", "api-", "api_1", "api.1", "api 1", "api/1", "ä",
        "x123456789012345678901234567890123456789012345678901234567890abc"})
    void unsafeNames(String name) {
        assertThat(Names.isName(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "_", "LOG_LEVEL", "log_level", "_X1", "a1"})
    void environmentVariableNames(String name) {
        assertThat(Names.isEnvVar(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1X", "LOG-LEVEL", "A.B", "A B", "A=B", "$A"})
    void notEnvironmentVariableNames(String name) {
        assertThat(Names.isEnvVar(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"role", "zone", "com.example.team", "traefik.http.routers.api.rule", "app/part-of", "A1"})
    void labelKeys(String key) {
        assertThat(Names.isLabelKey(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".role", "role.", "-x", "a b", "a=b", "a:b", "ä"})
    void notLabelKeys(String key) {
        assertThat(Names.isLabelKey(key)).isFalse();
    }
}
