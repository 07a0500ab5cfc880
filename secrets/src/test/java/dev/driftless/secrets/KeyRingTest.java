package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.age.Age;
import dev.driftless.secrets.age.AgeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where keys come from: the sops environment variables, the default key file, explicit files. */
class KeyRingTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    private final AgeIdentity a = AgeIdentity.generate(RANDOM);
    private final AgeIdentity b = AgeIdentity.generate(RANDOM);
    private final AgeIdentity c = AgeIdentity.generate(RANDOM);

    @Test
    void sopsAgeKeyFileAndDefaultLocationAreCombined() throws IOException {
        Path keyFile = dir.resolve("keys.txt");
        Files.writeString(keyFile, "# created: now\n" + b.encode() + "\n");
        Path xdg = dir.resolve("xdg");
        Files.createDirectories(xdg.resolve("sops/age"));
        Files.writeString(xdg.resolve("sops/age/keys.txt"), c.encode() + "\n");
        KeyRing ring = KeyRing.fromEnvironment(Map.of(
            "SOPS_AGE_KEY", a.encode(),
            "SOPS_AGE_KEY_FILE", keyFile.toString(),
            "XDG_CONFIG_HOME", xdg.toString()));
        assertThat(ring.ageRecipients()).containsExactly(a.recipient().toString(), b.recipient().toString(),
            c.recipient().toString());
        assertThat(ring.sources()).containsExactly("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE=" + keyFile,
            xdg.resolve("sops/age/keys.txt").toString());
    }

    @Test
    void homeConfigIsTheDefaultWithoutXdgConfigHome() throws IOException {
        Files.createDirectories(dir.resolve(".config/sops/age"));
        Files.writeString(dir.resolve(".config/sops/age/keys.txt"), a.encode() + "\n");
        assertThat(KeyRing.fromEnvironment(Map.of("HOME", dir.toString())).ageRecipients())
            .containsExactly(a.recipient().toString());
        assertThat(KeyRing.fromEnvironment(Map.of("HOME", dir.resolve("nowhere").toString())).isEmpty()).isTrue();
    }

    @Test
    void aMissingNamedKeyFileIsAnErrorNamingTheVariable() {
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of("SOPS_AGE_KEY_FILE", "/nope/keys.txt")))
            .isInstanceOfSatisfying(SopsException.class, e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.KEY_FILE))
            .hasMessage("SOPS_AGE_KEY_FILE=/nope/keys.txt: no such key file");
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of("DRIFTLESS_PGP_KEY_FILE", "/nope/secret.asc")))
            .hasMessage("DRIFTLESS_PGP_KEY_FILE=/nope/secret.asc: no such key file");
    }

    @Test
    void aGarbledKeyFileNamesFileAndLineButNotTheContent() throws IOException {
        Path keyFile = dir.resolve("bad.txt");
        Files.writeString(keyFile, "# ok\nAGE-SECRET-KEY-1GARBAGE\n");
        assertThatThrownBy(() -> KeyRing.builder().ageIdentityFile(keyFile).build())
            .hasMessage(keyFile + ": line 2: not a valid age identity")
            .hasMessageNotContaining("GARBAGE");
    }

    @Test
    void passphraseEncryptedIdentityFileUnlocksWithThePassphraseFileVariable() throws IOException {
        Path keyFile = dir.resolve("keys.txt.age");
        Files.write(keyFile, Age.encryptWithPassphrase((a.encode() + "\n").getBytes(StandardCharsets.UTF_8),
            "open sesame".toCharArray(), 10, RANDOM));
        Path pass = dir.resolve("pass");
        Files.writeString(pass, "open sesame\n");
        KeyRing ring = KeyRing.fromEnvironment(Map.of("SOPS_AGE_KEY_FILE", keyFile.toString(),
            "DRIFTLESS_AGE_KEY_PASSPHRASE_FILE", pass.toString()));
        assertThat(ring.ageRecipients()).containsExactly(a.recipient().toString());
        assertThat(KeyRing.builder().ageIdentityFile(keyFile, () -> "open sesame".toCharArray()).build().ageRecipients())
            .containsExactly(a.recipient().toString());
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of("SOPS_AGE_KEY_FILE", keyFile.toString())))
            .hasMessage("SOPS_AGE_KEY_FILE=" + keyFile + ": is passphrase-encrypted and no passphrase was provided");
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of("SOPS_AGE_KEY_FILE", keyFile.toString()),
            Optional.of(() -> "wrong".toCharArray())))
            .hasMessage("SOPS_AGE_KEY_FILE=" + keyFile + ": incorrect passphrase");
    }

    @Test
    void pluginIdentitiesAreSkippedAndReported() {
        KeyRing ring = KeyRing.builder().ageIdentities(a.encode() + "\nAGE-PLUGIN-YUBIKEY-1QQQQQQQQQ\n", "SOPS_AGE_KEY").build();
        assertThat(ring.ageRecipients()).hasSize(1);
        assertThat(ring.unsupported()).containsExactly("SOPS_AGE_KEY line 2: age plugin identity (yubikey, plugins are not supported)");
        assertThat(ring.toString()).contains("skipped: SOPS_AGE_KEY line 2").doesNotContain("AGE-SECRET-KEY");
    }

    @Test
    void ringsCombine() {
        KeyRing one = KeyRing.builder().ageIdentity(a.encode()).build();
        KeyRing two = KeyRing.builder().ageIdentity(b.encode()).build();
        assertThat(one.plus(two).ageRecipients()).containsExactly(a.recipient().toString(), b.recipient().toString());
    }
}
