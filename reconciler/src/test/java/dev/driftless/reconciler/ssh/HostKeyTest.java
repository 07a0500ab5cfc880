package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HostKeyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"ed25519,ED25519", "rsa,RSA", "ecdsa,ECDSA"})
    void fingerprintIsWhatSshKeygenPrints(String type, String display) {
        Path key = SshKeygen.generate(dir, "k-" + type, type, "");
        HostKey hostKey = HostKey.parse(SshKeygen.publicKey(key));
        String[] reference = SshKeygen.fingerprintLine(Path.of(key + ".pub")).split(" ");
        assertThat(hostKey.fingerprint()).isEqualTo(reference[1]);
        assertThat("(" + hostKey.displayType() + ")").isEqualTo(reference[reference.length - 1]).contains(display);
        assertThat(hostKey.describe()).isEqualTo(reference[1] + " (" + display + ")");
        assertThat(hostKey.toString()).isEqualTo(hostKey.describe());
    }

    @Test
    void theCommentIsNotPartOfTheKey() {
        Path key = SshKeygen.generate(dir, "k", "ed25519", "");
        String line = SshKeygen.publicKey(key);
        HostKey parsed = HostKey.parse(line);
        assertThat(parsed.toOpenSsh()).isEqualTo(line.substring(0, line.lastIndexOf(' ')));
        assertThat(parsed.sameKey(HostKey.parse(parsed.toOpenSsh()))).isTrue();
    }

    @Test
    void malformedKeysAreRefusedWithAReason() {
        assertThatThrownBy(() -> HostKey.parse("ssh-ed25519")).hasMessageContaining("type, space, base64");
        assertThatThrownBy(() -> HostKey.parse("ssh-foo AAAA")).hasMessageContaining("unsupported host key type");
        assertThatThrownBy(() -> HostKey.parse("ssh-ed25519 !!!")).hasMessageContaining("not valid base64");
        String rsa = SshKeygen.publicKey(SshKeygen.generate(dir, "r", "rsa", "")).split(" ")[1];
        assertThatThrownBy(() -> HostKey.parse("ssh-ed25519 " + rsa)).hasMessageContaining("a ssh-rsa key");
    }

    @Test
    void anRsaPinAsksForTheSha2SignatureAlgorithms() {
        String rsa = SshKeygen.publicKey(SshKeygen.generate(dir, "r", "rsa", ""));
        assertThat(HostKey.parse(rsa).signatureAlgorithms()).containsExactly("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");
    }
}
