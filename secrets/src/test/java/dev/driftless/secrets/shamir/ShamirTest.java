package dev.driftless.secrets.shamir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShamirTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void fieldMultiplicationMatchesFips197Examples() {
        // FIPS-197 section 4.2: {57} x {83} = {c1}, {57} x {13} = {fe}
        assertThat(GF256.mul(0x57, 0x83)).isEqualTo(0xc1);
        assertThat(GF256.mul(0x57, 0x13)).isEqualTo(0xfe);
        assertThat(GF256.mul(0x57, 0x02)).isEqualTo(0xae);
    }

    @Test
    void fieldMatchesVaultsShamirTestVectors() {
        assertThat(GF256.add(16, 16)).isZero();
        assertThat(GF256.add(3, 4)).isEqualTo(7);
        assertThat(GF256.mul(3, 7)).isEqualTo(9);
        assertThat(GF256.mul(3, 0)).isZero();
        assertThat(GF256.mul(0, 3)).isZero();
        assertThat(GF256.div(0, 7)).isZero();
        assertThat(GF256.div(3, 3)).isEqualTo(1);
        assertThat(GF256.div(6, 3)).isEqualTo(2);
    }

    @Test
    void inverseOf0x53Is0xcaAsInTheAesSboxConstruction() {
        assertThat(GF256.inverse(0x53)).isEqualTo(0xca);
        for (int a = 1; a < 256; a++) {
            assertThat(GF256.mul(a, GF256.inverse(a))).as("a=%d", a).isEqualTo(1);
        }
    }

    @Test
    void handComputedSharesCombineToTheSecret() {
        // f(x) = 0x2a + 0x53·x: f(1) = 0x2a^0x53 = 0x79, f(2) = 0x2a^(0x53·2 = 0xa6) = 0x8c,
        // f(3) = 0x2a^(0x53·3 = 0xf5) = 0xdf. Layout per share: y bytes, then x.
        List<byte[]> shares = List.of(HEX.parseHex("7901"), HEX.parseHex("8c02"), HEX.parseHex("df03"));
        assertThat(Shamir.combine(List.of(shares.get(0), shares.get(1)))).containsExactly(0x2a);
        assertThat(Shamir.combine(List.of(shares.get(1), shares.get(2)))).containsExactly(0x2a);
        assertThat(Shamir.combine(List.of(shares.get(2), shares.get(0)))).containsExactly(0x2a);
        assertThat(Shamir.combine(shares)).containsExactly(0x2a);
    }

    @Test
    void evaluatingThePolynomialGivesTheHandComputedShares() {
        int[] poly = {0x2a, 0x53};
        assertThat(Shamir.evaluate(poly, 0)).isEqualTo(0x2a);
        assertThat(Shamir.evaluate(poly, 1)).isEqualTo(0x79);
        assertThat(Shamir.evaluate(poly, 2)).isEqualTo(0x8c);
        assertThat(Shamir.evaluate(poly, 3)).isEqualTo(0xdf);
    }

    @Test
    void anyThresholdSubsetOfSharesRecoversA32ByteKey() {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<byte[]> shares = Shamir.split(secret, 5, 3, random);
        assertThat(shares).hasSize(5).allSatisfy(s -> assertThat(s).hasSize(33));
        for (int a = 0; a < 5; a++) {
            for (int b = a + 1; b < 5; b++) {
                for (int c = b + 1; c < 5; c++) {
                    assertThat(Shamir.combine(List.of(shares.get(a), shares.get(b), shares.get(c))))
                        .isEqualTo(secret);
                }
            }
        }
    }

    @Test
    void fewerSharesThanTheThresholdDoNotRevealTheSecret() {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<byte[]> shares = Shamir.split(secret, 3, 3, random);
        assertThat(Shamir.combine(List.of(shares.get(0), shares.get(1)))).isNotEqualTo(secret);
    }

    @Test
    void sharesHaveDistinctNonZeroXCoordinates() {
        List<byte[]> shares = Shamir.split(new byte[] {1, 2, 3}, 255, 2, new SecureRandom());
        List<Integer> xs = new ArrayList<>();
        shares.forEach(s -> xs.add(s[3] & 0xff));
        assertThat(xs).doesNotHaveDuplicates().doesNotContain(0);
    }

    @Test
    void duplicateOrMismatchedSharesAreRejected() {
        assertThatThrownBy(() -> Shamir.combine(List.of(HEX.parseHex("7901"), HEX.parseHex("7901"))))
            .hasMessageContaining("duplicate part");
        assertThatThrownBy(() -> Shamir.combine(List.of(HEX.parseHex("7901"), HEX.parseHex("8c8c02"))))
            .hasMessageContaining("same length");
        assertThatThrownBy(() -> Shamir.combine(List.of(HEX.parseHex("7901"))))
            .hasMessageContaining("less than two parts");
    }
}
