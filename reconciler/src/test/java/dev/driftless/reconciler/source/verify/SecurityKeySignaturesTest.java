package dev.driftless.reconciler.source.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.sshkeys.SshSignatureCheck;
import dev.driftless.reconciler.sshkeys.SshWire;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH signatures made by FIDO security keys ({@code sk-ssh-ed25519@openssh.com},
 * {@code sk-ecdsa-sha2-nistp256@openssh.com}), checked against signatures real keys made.
 */
class SecurityKeySignaturesTest {

    /*
     * OpenSSH's own test vectors, made by ssh-keygen -Y sign with security keys: the files
     * ed25519_sk.sig and ecdsa_sk.sig of openssh-portable's regress/unittests/sshsig/testdata,
     * namespace "unittest" over the signed-data "This is a test, this is only a test"
     * (flags 0x01, counter 0x12345678).
     */
    static final byte[] OPENSSH_DATA = "This is a test, this is only a test".getBytes(StandardCharsets.US_ASCII);
    static final String OPENSSH_ED25519_SK = """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAEoAAAAac2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20AAAAgmxoNhd
        Biu5zpuKUJgMgrhhI54b7OatE7Yz23Tf//sscAAAAEc3NoOgAAAAh1bml0dGVzdAAAAAAA
        AAAGc2hhNTEyAAAAZwAAABpzay1zc2gtZWQyNTUxOUBvcGVuc3NoLmNvbQAAAEAi+7eTjW
        /+LQ2M+sCD+KFtH1n7VFFJon/SZFsxODyV8cWTlFKj617Ys1Ur5TV6uaEXQhck8rBA2oQI
        HTPANLIPARI0Vng=
        -----END SSH SIGNATURE-----
        """;
    static final String OPENSSH_ECDSA_SK = """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAH8AAAAic2stZWNkc2Etc2hhMi1uaXN0cDI1NkBvcGVuc3NoLmNvbQ
        AAAAhuaXN0cDI1NgAAAEEEoNVrmNFxPlXsTrKybBWLsclaHunkP6F5ss9qRBymcPZqMlno
        b/hbO6GVhadyVZjrcmykOnb31GWGrkBPzr+DwAAAAARzc2g6AAAACHVuaXR0ZXN0AAAAAA
        AAAAZzaGE1MTIAAAB3AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20A
        AABIAAAAIHohGwyy8iKT3zwd1TYA9V/Ioo7h/3zCJUtyq/Qigt/HAAAAIGzidTwq7D/kFa
        7Xjcp/KkdbIs4MfQpfAW/0OciajlpzARI0Vng=
        -----END SSH SIGNATURE-----
        """;
    /*
     * A git commit signed with an Ed25519 security key (touched and PIN-verified: flags 0x05),
     * from the specs of GitHub's ssh_data library: the commit object without its gpgsig header,
     * and the signature git stored.
     */
    static final String GIT_COMMIT = "tree ed9f16d32a89e48289d9d4becc4ff47cbd11f58c\n"
        + "parent 7c6364502eceecc87b276d8b49d8eb0ae96fd9e3\n"
        + "author Kevin Jones <octocat@github.com> 1638815753 -0500\n"
        + "committer Kevin Jones <octocat@github.com> 1638815828 -0500\n\ntest\n";
    static final String GIT_SIGNATURE = """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAEoAAAAac2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20AAAAgnXUo8l
        URoToCMzr+Rxeia/9yy+Rn+VwTTOqXdIgf7TUAAAAEc3NoOgAAAANnaXQAAAAAAAAABnNo
        YTUxMgAAAGcAAAAac2stc3NoLWVkMjU1MTlAb3BlbnNzaC5jb20AAABAud+P+aC7yCEcgy
        smyAyN5iokI0T+dKuhl7Ml7XB/wPBlefSamMXoHE7k3BbAXBNXJQH0TtHo/aX0gZxLy44D
        DgUAAAAG
        -----END SSH SIGNATURE-----
        """;

    @TempDir
    Path tmp;

    @Test
    void openSshsOwnSecurityKeySignaturesVerifyAndAlteredDataDoesNot() {
        for (String armored : new String[] {OPENSSH_ED25519_SK, OPENSSH_ECDSA_SK}) {
            SshSignatures.Sshsig sig = SshSignatures.Sshsig.parse(armored);
            assertThat(sig.namespace()).isEqualTo("unittest");
            assertThat(SshSignatures.check(sig, OPENSSH_DATA)).as(sig.keyType()).isNull();
            assertThat(SshSignatures.check(sig, "This is a test, this is only a tesT".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("the signature does not match the commit's content (was the commit altered after signing?)");
        }
    }

    @Test
    void aGitCommitSignedWithASecurityKeyIsTrustedByItsAllowedSignersLine() throws Exception {
        byte[] key = SshSignatures.Sshsig.parse(GIT_SIGNATURE).publicKey();
        Path file = Files.writeString(tmp.resolve("allowed_signers"), "octocat@github.com namespaces=\"git\" "
            + "sk-ssh-ed25519@openssh.com " + Base64.getEncoder().encodeToString(key) + "\n");
        AllowedSigners signers = AllowedSigners.read(file, java.time.ZoneOffset.UTC);
        SignedCommit commit = new SignedCommit("2d5e8a1", GIT_COMMIT.getBytes(StandardCharsets.UTF_8),
            Optional.of(GIT_SIGNATURE), Instant.ofEpochSecond(1638815828));

        assertThat(SshSignatures.verify(commit, GIT_SIGNATURE, signers)).isEqualTo(new Verdict.Trusted(
            "octocat@github.com (ED25519-SK key " + SshSignatureCheck.fingerprint(key) + ", allowed_signers:1)"));

        SignedCommit altered = new SignedCommit("2d5e8a1", GIT_COMMIT.replace("\ntest\n", "\nprod\n")
            .getBytes(StandardCharsets.UTF_8), Optional.of(GIT_SIGNATURE), Instant.ofEpochSecond(1638815828));
        assertThat(SshSignatures.verify(altered, GIT_SIGNATURE, signers).text()).isEqualTo("commit 2d5e8a1 has a bad"
            + " signature by ED25519-SK key " + SshSignatureCheck.fingerprint(key) + ": the signature does not match the"
            + " commit's content (was the commit altered after signing?)");
    }

    @Test
    void theAuthenticatorsFlagsAndCounterAreSignedSoChangingThemBreaksTheSignature() {
        byte[] blob = Base64.getMimeDecoder().decode(GIT_SIGNATURE.strip().replace("-----BEGIN SSH SIGNATURE-----", "")
            .replace("-----END SSH SIGNATURE-----", ""));
        blob[blob.length - 5] = 0x01; // 0x05 (touched, verified) → 0x01
        String armored = "-----BEGIN SSH SIGNATURE-----\n" + Base64.getMimeEncoder().encodeToString(blob)
            + "\n-----END SSH SIGNATURE-----\n";
        assertThat(SshSignatures.check(SshSignatures.Sshsig.parse(armored), GIT_COMMIT.getBytes(StandardCharsets.UTF_8)))
            .startsWith("the signature does not match");
    }

    @Test
    void aSignatureMadeWithoutATouchIsRefusedEvenWhenItVerifies() throws Exception {
        // A key made with -O no-touch-required signs with flags 0; no real one is at hand, so the
        // authenticator is played by a software Ed25519 key that signs what an authenticator signs.
        Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] pub = priv.generatePublicKey().getEncoded();
        byte[] payload = "tree 0000\n\nuntouched\n".getBytes(StandardCharsets.UTF_8);
        for (int flags : new int[] {0x00, 0x01, 0x05}) {
            String armored = skSignature(priv, skKey(pub), payload, flags);
            String verdict = SshSignatures.check(SshSignatures.Sshsig.parse(armored), payload);
            if ((flags & SshSignatureCheck.USER_PRESENT) == 0) {
                assertThat(verdict).isEqualTo("the security key signed without a touch (user presence flag not set, as"
                    + " for a key made with -O no-touch-required); driftless accepts only touched signatures");
            } else {
                assertThat(verdict).as("flags %s", flags).isNull();
            }
        }
    }

    @Test
    void aCertificateWithVerifyRequiredTakesOnlySignaturesTheKeyVerifiedItsUserFor() throws Exception {
        // The authenticator's key certified by the real ssh-keygen with -O verify-required, as a CA
        // does for keys that must ask for a PIN; its signatures made by the software authenticator.
        Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] plain = skKey(priv.generatePublicKey().getEncoded());
        Path ca = dev.driftless.reconciler.ssh.SshKeygen.generate(tmp, "pin-ca", "ed25519", "");
        Path key = tmp.resolve("grace-sk");
        Files.writeString(Path.of(key + ".pub"), "sk-ssh-ed25519@openssh.com " + Base64.getEncoder().encodeToString(plain)
            + " grace\n");
        byte[] cert = Base64.getDecoder().decode(dev.driftless.reconciler.ssh.SshKeygen.certify(ca, key, false, "grace",
            "grace@example.org", "20260101Z:20270101Z", 9, "verify-required").split(" ")[1]);
        AllowedSigners signers = AllowedSigners.read(Files.writeString(tmp.resolve("allowed_signers"),
            "grace@example.org cert-authority " + dev.driftless.reconciler.ssh.SshKeygen.publicKey(ca) + "\n"),
            java.time.ZoneOffset.UTC);
        byte[] payload = "tree 0000\n\nmigrate orders\n".getBytes(StandardCharsets.UTF_8);
        Instant at = Instant.parse("2026-12-06T12:00:00Z");

        String touched = skSignature(priv, cert, payload, 0x01);
        assertThat(SshSignatures.verify(new SignedCommit("5eed001", payload, Optional.of(touched), at), touched, signers)
            .text()).endsWith(": its certificate requires a user-verified signature (critical option verify-required),"
                + " and the security key signed without verifying its user (no PIN or biometric: user-verified flag not"
                + " set)");
        String verified = skSignature(priv, cert, payload, 0x05);
        assertThat(SshSignatures.verify(new SignedCommit("5eed002", payload, Optional.of(verified), at), verified,
            signers)).isInstanceOf(Verdict.Trusted.class);
    }

    /** The public key blob of that authenticator's key. */
    private static byte[] skKey(byte[] pub) {
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        key.writeBytes(SshWire.encode("sk-ssh-ed25519@openssh.com".getBytes(StandardCharsets.US_ASCII)));
        key.writeBytes(SshWire.encode(pub));
        key.writeBytes(SshWire.encode("ssh:".getBytes(StandardCharsets.US_ASCII)));
        return key.toByteArray();
    }

    /**
     * An SSHSIG in namespace git as an Ed25519 security key with application "ssh:" makes it, with
     * {@code keyBlob} (the plain key's blob, or a certificate of it) as the signature's public key.
     */
    private static String skSignature(Ed25519PrivateKeyParameters priv, byte[] keyBlob, byte[] payload, int flags)
            throws Exception {
        byte[] type = "sk-ssh-ed25519@openssh.com".getBytes(StandardCharsets.US_ASCII);
        byte[] application = "ssh:".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream key = new ByteArrayOutputStream();
        key.writeBytes(keyBlob);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("SSHSIG".getBytes(StandardCharsets.US_ASCII));
        data.writeBytes(SshWire.encode("git".getBytes(StandardCharsets.US_ASCII)));
        data.writeBytes(SshWire.encode(new byte[0]));
        data.writeBytes(SshWire.encode("sha512".getBytes(StandardCharsets.US_ASCII)));
        data.writeBytes(SshWire.encode(MessageDigest.getInstance("SHA-512").digest(payload)));
        byte[] counter = {0, 0, 0, 42};
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(MessageDigest.getInstance("SHA-256").digest(application));
        signed.write(flags);
        signed.writeBytes(counter);
        signed.writeBytes(MessageDigest.getInstance("SHA-256").digest(data.toByteArray()));
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, priv);
        signer.update(signed.toByteArray(), 0, signed.size());
        ByteArrayOutputStream sig = new ByteArrayOutputStream();
        sig.writeBytes(SshWire.encode(type));
        sig.writeBytes(SshWire.encode(signer.generateSignature()));
        sig.write(flags);
        sig.writeBytes(counter);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.writeBytes("SSHSIG".getBytes(StandardCharsets.US_ASCII));
        blob.writeBytes(new byte[] {0, 0, 0, 1});
        blob.writeBytes(SshWire.encode(key.toByteArray()));
        blob.writeBytes(SshWire.encode("git".getBytes(StandardCharsets.US_ASCII)));
        blob.writeBytes(SshWire.encode(new byte[0]));
        blob.writeBytes(SshWire.encode("sha512".getBytes(StandardCharsets.US_ASCII)));
        blob.writeBytes(SshWire.encode(sig.toByteArray()));
        return "-----BEGIN SSH SIGNATURE-----\n" + Base64.getMimeEncoder().encodeToString(blob.toByteArray())
            + "\n-----END SSH SIGNATURE-----\n";
    }
}
