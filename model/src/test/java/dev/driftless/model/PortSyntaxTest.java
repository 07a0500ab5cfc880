package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortSyntaxTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "8080:8080|8080:8080/tcp",
        "8080|8080/tcp",
        "80:8080|80:8080/tcp",
        "127.0.0.1:9090:9090|127.0.0.1:9090:9090/tcp",
        "127.0.0.1::9090|127.0.0.1::9090/tcp",
        "53:53/udp|53:53/udp",
        "[::1]:53:53/udp|[::1]:53:53/udp",
        "9000/sctp|9000/sctp"})
    void shortSyntaxReadsAndPrintsBack(String text, String printed) {
        Parsed<PortMapping> parsed = PortSyntax.parse(text);
        assertThat(parsed.reason()).isEmpty();
        assertThat(parsed.value().orElseThrow()).hasToString(printed);
    }

    @Test
    void aBareContainerPortLetsTheRuntimePickTheHostPort() {
        PortMapping p = PortSyntax.parse("8080").value().orElseThrow();
        assertThat(p).isEqualTo(new PortMapping(Optional.empty(), 0, 8080, "tcp"));
        assertThat(p.ephemeral()).isTrue();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "80800:8080|host port \"80800\" must be a number from 1 to 65535",
        "8080:0|container port \"0\" must be a number from 1 to 65535",
        "http|container port \"http\" must be a number from 1 to 65535",
        "8080/icmp|unknown protocol \"icmp\"; use tcp, udp or sctp",
        "8000-8010:8000-8010|port ranges are not supported; list each port",
        "::1:53:53|write an IPv6 address in brackets, e.g. \"[::1]:8080:8080\"",
        "10.0.0.300:80:80|\"10.0.0.300\" is not an IP address"})
    void malformedPortsSayWhy(String text, String reason) {
        Parsed<PortMapping> parsed = PortSyntax.parse(text);
        assertThat(parsed.value()).isEmpty();
        assertThat(parsed.reason()).isEqualTo(reason);
    }

    @Test
    void anEmptyHostPortWithoutAddressShowsTheSyntax() {
        assertThat(PortSyntax.parse(":8080").reason()).isEqualTo(PortSyntax.RULE);
    }
}
