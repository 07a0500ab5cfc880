package dev.driftless.secrets.age;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class AgeKeysTest {

    // A throwaway pair made by age-keygen 1.1.1 for this test (never used for anything else).
    private static final String IDENTITY = "AGE-SECRET-KEY-175HGEDL94JS3HRA3G20FN2PE6Y75HT4S5QKS390GF98JXKGM5NYSFSUKPJ";
    private static final String RECIPIENT = "age1szneuf9tzmkwf79gm5hp6pduvm2l793r6m3mvsmnsq96ktpwsa9s3ktg0r";

    @Test
    void identityMadeByAgeKeygenDerivesItsRecipient() {
        assertThat(AgeIdentity.parse(IDENTITY).recipient().toString()).isEqualTo(RECIPIENT);
    }

    @Test
    void identityEncodingRoundTripsInUpperCase() {
        AgeIdentity id = AgeIdentity.generate(new SecureRandom());
        assertThat(id.encode()).startsWith("AGE-SECRET-KEY-1").isUpperCase();
        assertThat(AgeIdentity.parse(id.encode()).recipient()).isEqualTo(id.recipient());
    }

    @Test
    void toStringShowsOnlyThePublicRecipient() {
        AgeIdentity id = AgeIdentity.parse(IDENTITY);
        assertThat(id.toString()).isEqualTo("AgeIdentity[" + RECIPIENT + "]").doesNotContain("SECRET");
    }

    @Test
    void badChecksumMixedCaseAndSshKeysAreRejectedWithoutEchoingTheInput() {
        String broken = IDENTITY.substring(0, IDENTITY.length() - 1) + "Q";
        assertThatThrownBy(() -> AgeIdentity.parse(broken))
            .isInstanceOf(AgeException.class)
            .hasMessageNotContaining(broken.substring(20));
        assertThatThrownBy(() -> AgeRecipient.parse("age1SZNEUF9tzmkwf79gm5hp6pduvm2l793r6m3mvsmnsq96ktpwsa9s3ktg0r"))
            .hasMessageContaining("mixed case");
        assertThatThrownBy(() -> AgeRecipient.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"))
            .isInstanceOfSatisfying(AgeException.class,
                e -> assertThat(e.kind()).isEqualTo(AgeException.Kind.UNSUPPORTED));
    }

    @Test
    void identityFileSkipsCommentsAndReportsPluginLinesByKindOnly() {
        String text = "# created: today\n# public key: " + RECIPIENT + "\n" + IDENTITY + "\n\n"
            + "AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n";
        AgeIdentityFile file = AgeIdentityFile.parse(text, "keys.txt");
        assertThat(file.identities()).hasSize(1);
        assertThat(file.unsupported()).containsExactly(
            "keys.txt line 5: age plugin identity (yubikey, plugins are not supported)");
    }

    @Test
    void aGarbledIdentityLineNamesFileAndLine() {
        assertThatThrownBy(() -> AgeIdentityFile.parse("# x\nAGE-SECRET-KEY-1NOTAKEY\n", "keys.txt"))
            .hasMessage("keys.txt line 2: not a valid age identity");
    }
}
