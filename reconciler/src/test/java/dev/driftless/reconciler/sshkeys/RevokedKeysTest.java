package dev.driftless.reconciler.sshkeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.ExternalTool;
import dev.driftless.reconciler.ssh.SshKeygen;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key revocation lists made by the real {@code ssh-keygen -k}, read by {@link RevokedKeys}, and
 * each verdict compared with what {@code ssh-keygen -Q} says of the same key or certificate.
 */
class RevokedKeysTest {

    @TempDir
    static Path dir;
    static Path ca;
    static Path otherCa;

    @BeforeAll
    static void keys() {
        ca = SshKeygen.generate(dir, "ca", "ed25519", "");
        otherCa = SshKeygen.generate(dir, "other-ca", "ed25519", "");
    }

    /** A new key pair and, with a serial, a user certificate of it by {@code by} with key ID {@code id}. */
    static Path certified(String name, Path by, String id, long serial) {
        Path key = SshKeygen.generate(dir, name, "ed25519", "");
        SshKeygen.certify(by, key, false, id, "someone@example.org", "-5m:+1h", serial);
        return key;
    }

    static byte[] blob(Path publicKeyFile) throws Exception {
        return Base64.getDecoder().decode(Files.readString(publicKeyFile).strip().split(" ")[1]);
    }

    /** What ssh-keygen -Q says of a public key or certificate file: revoked or not. */
    static boolean revokedBySshKeygen(Path krl, Path file) {
        // It exits 1 when something is revoked; its words are what counts.
        String out = ExternalTool.run(List.of("sh", "-c", "ssh-keygen -Q -f \"$0\" \"$1\" || true", krl.toString(),
            file.toString()), dir, Map.of(), Duration.ofSeconds(30));
        return out.contains("REVOKED");
    }

    static Path krl(String name, Optional<Path> signingCa, String... spec) throws Exception {
        Path specFile = Files.writeString(dir.resolve(name + ".spec"), String.join("\n", spec) + "\n");
        Path krl = dir.resolve(name + ".krl");
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-k", "-f", krl.toString()));
        signingCa.ifPresent(c -> cmd.addAll(List.of("-s", c + ".pub")));
        cmd.add(specFile.toString());
        ExternalTool.run(cmd, dir, Map.of(), Duration.ofSeconds(30));
        return krl;
    }

    @Test
    void certificatesRevokedBySerialListRangeBitmapAndKeyIdAsSshKeygenSays() throws Exception {
        Path krl = krl("certs", Optional.of(ca), "serial: 7", "serial: 1000-2000", "serial: 100", "serial: 103",
            "serial: 105", "serial: 106", "serial: 110", "id: grace-laptop");
        RevokedKeys revoked = RevokedKeys.read(krl);
        record Case(String name, Path by, String id, long serial) {
        }
        List<Case> cases = List.of(new Case("s7", ca, "a", 7), new Case("s8", ca, "b", 8),
            new Case("s105", ca, "c", 105), new Case("s104", ca, "d", 104), new Case("s110", ca, "e", 110),
            new Case("s1500", ca, "f", 1500), new Case("s2001", ca, "g", 2001), new Case("grace", ca, "grace-laptop", 3),
            new Case("other7", otherCa, "h", 7), new Case("othergrace", otherCa, "grace-laptop", 4));
        for (Case c : cases) {
            Path key = certified(c.name(), c.by(), c.id(), c.serial());
            Path cert = Path.of(key + "-cert.pub");
            Optional<String> why = revoked.check(SshCertificate.parse(blob(cert)));
            assertThat(why.isPresent()).as(c.name()).isEqualTo(revokedBySshKeygen(krl, cert));
        }
        assertThat(revoked.check(SshCertificate.parse(blob(Path.of(dir.resolve("s105") + "-cert.pub")))))
            .hasValue(krl + " revokes certificate serial 105 of CA key " + SshSignatureCheck.fingerprint(blob(
                Path.of(ca + ".pub"))));
        assertThat(revoked.check(SshCertificate.parse(blob(Path.of(dir.resolve("grace") + "-cert.pub"))))).hasValueSatisfying(
            w -> assertThat(w).contains("revokes the certificates with key ID \"grace-laptop\" of CA key"));
        assertThat(revoked.check(SshCertificate.parse(blob(Path.of(dir.resolve("s7") + "-cert.pub"))))).isPresent();
    }

    @Test
    void keysRevokedExplicitlyOrByFingerprintAlsoRevokeTheirCertificates() throws Exception {
        Path explicit = certified("explicit", ca, "x", 21);
        Path bySha1 = certified("by-sha1", ca, "y", 22);
        Path bySha256 = certified("by-sha256", ca, "z", 23);
        Path kept = certified("kept", ca, "k", 24);
        Path krl = krl("keys", Optional.empty(), "key: " + SshKeygen.publicKey(explicit),
            "sha1: " + SshKeygen.publicKey(bySha1), "sha256: " + SshKeygen.publicKey(bySha256));
        RevokedKeys revoked = RevokedKeys.read(krl);
        for (Path key : List.of(explicit, bySha1, bySha256, kept)) {
            for (Path file : List.of(Path.of(key + ".pub"), Path.of(key + "-cert.pub"))) {
                byte[] b = blob(file);
                boolean ours = file.toString().endsWith("-cert.pub") ? revoked.check(SshCertificate.parse(b)).isPresent()
                    : revoked.check(b).isPresent();
                assertThat(ours).as(file.getFileName().toString()).isEqualTo(revokedBySshKeygen(krl, file));
            }
        }
        assertThat(revoked.check(blob(Path.of(explicit + ".pub")))).hasValue(krl + " revokes key "
            + SshSignatureCheck.fingerprint(blob(Path.of(explicit + ".pub"))));
        assertThat(revoked.check(blob(Path.of(kept + ".pub")))).isEmpty();
    }

    @Test
    void aRevokedCaKeyTakesEveryCertificateItSigned() throws Exception {
        Path key = certified("by-revoked-ca", otherCa, "w", 31);
        RevokedKeys revoked = RevokedKeys.read(krl("ca", Optional.empty(), "key: " + SshKeygen.publicKey(otherCa)));
        assertThat(revoked.check(SshCertificate.parse(blob(Path.of(key + "-cert.pub"))))).hasValueSatisfying(w ->
            assertThat(w).endsWith(", the certificate's CA"));
    }

    @Test
    void aPlainListOfPublicKeysIsReadToo() throws Exception {
        Path a = SshKeygen.generate(dir, "listed", "ed25519", "");
        Path b = SshKeygen.generate(dir, "unlisted", "ecdsa", "");
        Path list = Files.writeString(dir.resolve("revoked.pub"), "# left the company\n" + SshKeygen.publicKey(a)
            + "\n\n");
        RevokedKeys revoked = RevokedKeys.read(list);
        assertThat(revoked.check(blob(Path.of(a + ".pub")))).isPresent();
        assertThat(revoked.check(blob(Path.of(b + ".pub")))).isEmpty();

        Path broken = Files.writeString(dir.resolve("broken.pub"), SshKeygen.publicKey(a) + "\nnot a key\n");
        assertThatThrownBy(() -> RevokedKeys.read(broken)).hasMessage(broken + ":2: not a public key (expected"
            + " \"key-type base64-key [comment]\", as in a .pub file, or a key revocation list from ssh-keygen -k)");
        assertThatThrownBy(() -> RevokedKeys.read(dir.resolve("nope"))).hasMessage(dir.resolve("nope") + ": no such file");
        byte[] truncated = java.util.Arrays.copyOf(Files.readAllBytes(krl("t", Optional.of(ca), "serial: 9")), 30);
        assertThatThrownBy(() -> RevokedKeys.parse(truncated, "t.krl"))
            .hasMessage("t.krl: not a valid key revocation list (truncated SSH data)");
        assertThat(new String(truncated, StandardCharsets.ISO_8859_1)).startsWith("SSHKRL\n");
    }
}
