package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.TextValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretValueTest {

    private static final List<String> PATH = List.of("db", "password");

    @Test
    void toStringNeverShowsTheValue() {
        SecretValue v = SecretValue.of(new TextValue("hunter2"), PATH);
        assertThat(v.toString()).isEqualTo("SecretValue[***]");
        assertThat(String.valueOf(List.of(v))).doesNotContain("hunter2");
        assertThat(new TextValue("hunter2").toString()).doesNotContain("hunter2");
    }

    @Test
    void fingerprintMatchesScryptComputedIndependentlyWithPythonHashlib() {
        // python3: hashlib.scrypt(b'hunter2', salt=b'driftless-secret-fingerprint-v1\0'
        //   + len-prefixed 'db', 'password', n=16384, r=8, p=1, dklen=16), base64url without padding
        assertThat(SecretValue.of(new TextValue("hunter2"), PATH).fingerprint()).isEqualTo("sfp1:tPE2U2HD70ApbCenJ5u0MA");
        assertThat(SecretFingerprint.of(List.of("api", "token"), "hunter2".getBytes()))
            .isEqualTo("sfp1:aW4FaB6bVioGU-PXLUEKlg");
    }

    @Test
    void theSameValueAtAnotherPathHasAnotherFingerprint() {
        String a = SecretFingerprint.of(List.of("a", "b"), "same".getBytes());
        String b = SecretFingerprint.of(List.of("a", "c"), "same".getBytes());
        String joined = SecretFingerprint.of(List.of("ab"), "same".getBytes());
        assertThat(a).isNotEqualTo(b).isNotEqualTo(joined).startsWith("sfp1:").hasSize(27);
        assertThat(SecretFingerprint.of(List.of("a", "b"), "same".getBytes())).isEqualTo(a);
    }

    @Test
    void repeatedFingerprintsComeFromTheCache() {
        byte[] value = "cached-value".getBytes();
        String first = SecretFingerprint.of(PATH, value);
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertThat(SecretFingerprint.of(PATH, value)).isEqualTo(first);
        }
        // 100 scrypt runs would take seconds; cached lookups take well under one
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
    }

    @Test
    void revealGivesTheTextAServiceWouldGet() {
        assertThat(SecretValue.of(new IntValue(5432), PATH).reveal()).isEqualTo("5432");
        assertThat(SecretValue.of(new FloatValue(1.234568e9), PATH).reveal()).isEqualTo("1234568000");
        assertThat(SecretValue.of(new BoolValue(true), PATH).reveal()).isEqualTo("true");
        assertThat(SecretValue.of(new IntValue(7), PATH).type()).isEqualTo(ValueType.INT);
        assertThat(SecretValue.of(new TextValue("grüße"), PATH).bytes()).hasSize(7);
    }

    @Test
    void equalityIsByIdentityAndContentIsComparedInConstantTime() {
        SecretValue a = SecretValue.of(new TextValue("x"), PATH);
        SecretValue b = SecretValue.of(new TextValue("x"), PATH);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.sameValueAs(b)).isTrue();
        assertThat(a.sameValueAs(SecretValue.of(new TextValue("y"), PATH))).isFalse();
        assertThat(a.sameValueAs(SecretValue.of(new IntValue(1), PATH))).isFalse();
    }
}
