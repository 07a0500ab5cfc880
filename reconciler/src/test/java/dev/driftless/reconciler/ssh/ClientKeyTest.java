package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientKeyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
        "ed25519,'',ED25519",
        "rsa,'',RSA",
        "ecdsa,'',ECDSA",
        "ed25519,'correct horse',ED25519",
        "rsa,'s3cret',RSA",
        "ecdsa,'pass phrase',ECDSA"})
    void keysOfEveryTypeLoadWithOrWithoutPassphrase(String type, String passphrase, String display) {
        Path file = SshKeygen.generate(dir, "id_" + type, type, passphrase);
        ClientKey key = ClientKey.load(file, passphrase.isEmpty() ? Optional.empty() : Optional.of(passphrase.toCharArray()),
            SharedSshConfig.get());
        String reference = SshKeygen.fingerprintLine(Path.of(file + ".pub")).split(" ")[1];
        assertThat(key.description()).isEqualTo(reference + " (" + display + ")");
    }

    @Test
    void pemAndPkcs8KeysLoadToo() {
        Path pem = SshKeygen.generate(dir, "id_pem", "rsa", "", "-m", "PEM");
        Path pkcs8 = SshKeygen.generate(dir, "id_pkcs8", "ecdsa", "", "-m", "PKCS8");
        assertThat(ClientKey.load(pem, Optional.empty(), SharedSshConfig.get()).description()).endsWith("(RSA)");
        assertThat(ClientKey.load(pkcs8, Optional.empty(), SharedSshConfig.get()).description()).endsWith("(ECDSA)");
    }

    @Test
    void aWrongPassphraseIsReportedNamingTheFile() {
        Path file = SshKeygen.generate(dir, "id_ed25519", "ed25519", "right");
        assertThatThrownBy(() -> ClientKey.load(file, Optional.of("wrong".toCharArray()), SharedSshConfig.get()))
            .isInstanceOf(SshConfigurationException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("passphrase is wrong")
            .hasMessageNotContaining("wrong\"");
    }

    @Test
    void aMissingPassphraseIsReportedNamingTheFile() {
        Path file = SshKeygen.generate(dir, "id_ed25519", "ed25519", "right");
        assertThatThrownBy(() -> ClientKey.load(file, Optional.empty(), SharedSshConfig.get()))
            .isInstanceOf(SshConfigurationException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("passphrase-protected");
    }

    @Test
    void aMissingOrGarbageFileIsReported() throws IOException {
        assertThatThrownBy(() -> ClientKey.load(dir.resolve("nope"), Optional.empty(), SharedSshConfig.get()))
            .isInstanceOf(SshConfigurationException.class).hasMessageContaining("does not exist");
        Path junk = Files.writeString(dir.resolve("junk"), "hello\n");
        assertThatThrownBy(() -> ClientKey.load(junk, Optional.empty(), SharedSshConfig.get()))
            .isInstanceOf(SshConfigurationException.class).hasMessageContaining(junk.toString());
    }

    @Test
    void thePoolReportsABadKeyWhenOpened() {
        assertThatThrownBy(() -> SshHostPool.open(SshSettings.defaults(dir.resolve("missing"), Optional.empty())))
            .isInstanceOf(SshConfigurationException.class).hasMessageContaining("missing");
    }

    @Test
    void settingsNeverPrintThePassphrase() {
        SshSettings s = SshSettings.defaults(dir.resolve("k"), Optional.of(dir.resolve("kh"))).withKeyPassphrase("hunter2");
        assertThat(s.toString()).doesNotContain("hunter2").contains("keyPassphrase=(set)");
        assertThatThrownBy(() -> s.withMaxParallelHosts(0)).hasMessageContaining("maxParallelHosts");
        assertThatThrownBy(() -> s.withTimeouts(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1)))
            .hasMessageContaining("connectTimeout");
    }

    @Test
    void weakAlgorithmsAreNotProposed() {
        var config = SharedSshConfig.get();
        assertThat(net.schmizz.sshj.common.Factory.Named.Util.getNames(config.getCipherFactories()))
            .contains("aes256-ctr", "chacha20-poly1305@openssh.com").noneMatch(n -> n.contains("cbc") || n.contains("arcfour"));
        assertThat(net.schmizz.sshj.common.Factory.Named.Util.getNames(config.getKeyExchangeFactories()))
            .contains("curve25519-sha256").doesNotContain("diffie-hellman-group1-sha1");
        assertThat(net.schmizz.sshj.common.Factory.Named.Util.getNames(config.getMACFactories()))
            .contains("hmac-sha2-256").noneMatch(n -> n.contains("md5"));
    }
}
