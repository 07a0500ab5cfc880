package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.11", "127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1", "2001:db8::8a2e:370:7334",
        "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:10.0.0.1", "app-1.internal", "localhost", "db1.example.com"})
    void addressesAndNames(String address) {
        assertThat(HostAddress.isValid(address)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.256", "10.0.0", "1.2.3.4.5", "-app", "app_1.internal", "a..b", ":::1", "1::2::3",
        "2001:db8:0:0:0:0:0:0:1", "gggg::1", "app 1", "10.0.0.1:22"})
    void notAddresses(String address) {
        assertThat(HostAddress.isValid(address)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"app-1.internal", "localhost"})
    void namesAreNotIpLiterals(String address) {
        assertThat(HostAddress.isIp(address)).isFalse();
    }
}
