package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import dev.driftless.reconciler.ssh.SshKeygen;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.core.CoreModuleProperties;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The known_hosts check on its own: which lines pin which host and port, and how refusals read. */
class PinnedHostKeysTest {

    static PublicKey key;
    static PublicKey other;
    static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 22);
    static final ServerKeyDatabase.Configuration NO_CONFIG = null;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generateKeys() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        key = gen.generateKeyPair().getPublic();
        other = gen.generateKeyPair().getPublic();
    }

    PinnedHostKeys pins(String... lines) throws Exception {
        Path file = tmp.resolve("known_hosts");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return PinnedHostKeys.load(file);
    }

    static String line(String hosts, PublicKey k) {
        return hosts + " " + PublicKeyEntry.toString(k);
    }

    @Test
    void exactKeyForTheHostIsAccepted() throws Exception {
        PinnedHostKeys pins = pins("# comment", "", line("git.example.org", key));
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isTrue();
        assertThat(pins.lastRefusal()).isEmpty();
    }

    @Test
    void portIsPartOfTheHost() throws Exception {
        PinnedHostKeys pins = pins(line("[git.example.org]:2222", key));
        assertThat(pins.accept("[git.example.org]:2222", REMOTE, key, NO_CONFIG, null)).isTrue();
        assertThat(refused(pins, "git.example.org", key).problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
    }

    @Test
    void hashedHostNamesMatch() throws Exception {
        byte[] salt = new byte[20];
        salt[0] = 7;
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(salt, "HmacSHA1"));
        byte[] hash = mac.doFinal("[git.example.org]:2222".getBytes(StandardCharsets.UTF_8));
        String hashed = "|1|" + Base64.getEncoder().encodeToString(salt) + "|" + Base64.getEncoder().encodeToString(hash);
        PinnedHostKeys pins = pins(line(hashed, key));
        assertThat(pins.accept("[git.example.org]:2222", REMOTE, key, NO_CONFIG, null)).isTrue();
        assertThat(pins.accept("[other.example.org]:2222", REMOTE, key, NO_CONFIG, null)).isFalse();
    }

    @Test
    void patternsAndNegationsMatchLikeOpenSsh() throws Exception {
        PinnedHostKeys pins = pins(line("*.example.org,!evil.example.org", key));
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isTrue();
        assertThat(pins.accept("evil.example.org", REMOTE, key, NO_CONFIG, null)).isFalse();
    }

    @Test
    void otherKeyForAKnownHostIsRefusedAsChanged() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key));
        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org", other);
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.CHANGED);
        assertThat(refusal.offered()).isEqualTo("ecdsa-sha2-nistp256 " + fingerprint(other));
        assertThat(refusal.pinned()).containsExactly("ecdsa-sha2-nistp256 " + fingerprint(key));
    }

    @Test
    void unknownHostIsRefusedWithTheOfferedFingerprint() throws Exception {
        PinnedHostKeys pins = pins(line("other.example.org", key));
        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org", key);
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
        assertThat(refusal.offered()).endsWith(fingerprint(key));
        assertThat(refusal.pinned()).isEmpty();
    }

    @Test
    void revokedKeyIsRefusedEvenIfAlsoPinned() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key), "@revoked " + line("*", key));
        assertThat(refused(pins, "git.example.org", key).problem()).isEqualTo(SourceFailure.HostKeyProblem.REVOKED);
    }

    /** A key pair made by the real ssh-keygen in {@code tmp}; its public key as Apache MINA reads it. */
    Path sshKey(String name) {
        return SshKeygen.generate(tmp, name, "ed25519", "");
    }

    static PublicKey mina(String line) throws Exception {
        return PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null, null);
    }

    /** A host certificate of {@code key} by {@code ca}, as the server presents it during the key exchange. */
    static OpenSshCertificate hostCertificate(Path ca, Path key, String principals, String validity) throws Exception {
        return (OpenSshCertificate) mina(SshKeygen.certify(ca, key, true, "git-host", principals, validity, 7));
    }

    /** Asserts that {@code pins} refuse {@code key} for {@code host}; what they recorded of it. */
    static PinnedHostKeys.Refusal refused(PinnedHostKeys pins, String host, PublicKey key) {
        assertThat(pins.accept(host, REMOTE, key, NO_CONFIG, null)).isFalse();
        return pins.lastRefusal().orElseThrow();
    }

    @Test
    void aHostCertificateOfACaListedForTheHostIsAcceptedWhileValidForIt() throws Exception {
        Path ca = sshKey("ca");
        Path host = sshKey("host");
        PinnedHostKeys pins = pins("@cert-authority *.example.org,[*.example.org]:2222 " + SshKeygen.publicKey(ca));
        assertThat(pins.accept("git.example.org", REMOTE, hostCertificate(ca, host, "git.example.org", "-5m:+1h"),
            NO_CONFIG, null)).isTrue();
        assertThat(pins.accept("[git.example.org]:2222", REMOTE, hostCertificate(ca, host, "*.example.org", "-5m:+1h"),
            NO_CONFIG, null)).as("wildcard principal, as OpenSSH allows for hosts").isTrue();
        // Nothing pinned: the default algorithm order, certificates first, is left alone.
        assertThat(pins.lookup("git.example.org", REMOTE, NO_CONFIG)).isEmpty();
        assertThat(pins.lastRefusal()).isEmpty();
    }

    @Test
    void aHostCertificateNotValidForTheHostIsRefusedSayingWhy() throws Exception {
        Path ca = sshKey("ca");
        Path host = sshKey("host");
        PinnedHostKeys pins = pins("@cert-authority * " + SshKeygen.publicKey(ca));
        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org",
            hostCertificate(ca, host, "db-9.example.org", "-5m:+1h"));
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.INVALID_CERTIFICATE);
        assertThat(refusal.offered()).isEqualTo("a host certificate of ssh-ed25519 " + fingerprint(host)
            + " (\"git-host\", serial 7) signed by CA key ssh-ed25519 " + fingerprint(ca));
        assertThat(refusal.detail()).isEqualTo("it is issued for db-9.example.org, not for git.example.org");

        assertThat(refused(pins, "git.example.org", hostCertificate(ca, host, "git.example.org",
            "20250101Z:20250201Z")).detail()).startsWith("it is expired at 2025-02-01T00:00:00Z");

        OpenSshCertificate user = (OpenSshCertificate) mina(SshKeygen.certify(ca, host, false, "someone",
            "git.example.org", "-5m:+1h", 8));
        assertThat(refused(pins, "git.example.org", user).detail())
            .isEqualTo("it is a user certificate, not a host certificate");
    }

    @Test
    void aCertificateAlteredAfterTheCaSignedItIsRefused() throws Exception {
        Path ca = sshKey("ca");
        Path host = sshKey("host");
        String line = SshKeygen.certify(ca, host, true, "git-host", "gix.example.org", "-5m:+1h", 7);
        byte[] blob = Base64.getDecoder().decode(line.split(" ")[1]);
        // Rewrite the principal the CA signed ("gix") into the host's name: same length, same layout.
        String text = new String(blob, StandardCharsets.ISO_8859_1).replace("gix.example.org", "git.example.org");
        String forged = line.split(" ")[0] + " "
            + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
        PinnedHostKeys pins = pins("@cert-authority * " + SshKeygen.publicKey(ca));
        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org", mina(forged));
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.INVALID_CERTIFICATE);
        assertThat(refusal.detail()).startsWith("its CA signature does not verify (the certificate was altered after"
            + " the CA signed it)");
    }

    @Test
    void aCertificateOfAnotherCaIsUnknownAndARevokedCaTakesItsCertificates() throws Exception {
        Path ca = sshKey("ca");
        Path other = sshKey("other");
        Path host = sshKey("host");
        PinnedHostKeys pins = pins("@cert-authority *.example.org " + SshKeygen.publicKey(ca));
        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org",
            hostCertificate(other, host, "git.example.org", "-5m:+1h"));
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
        assertThat(refusal.detail()).isEqualTo("no @cert-authority line names that CA for it; it trusts ssh-ed25519 "
            + fingerprint(ca));

        PinnedHostKeys revoked = pins("@cert-authority *.example.org " + SshKeygen.publicKey(ca),
            "@revoked * " + SshKeygen.publicKey(ca));
        assertThat(refused(revoked, "git.example.org", hostCertificate(ca, host, "git.example.org", "-5m:+1h"))
            .problem()).isEqualTo(SourceFailure.HostKeyProblem.REVOKED);
        assertThat(revoked.lastRefusal().orElseThrow().detail()).isEqualTo("its CA key is marked @revoked");
    }

    /** {@code ssh-keygen -k} over {@code spec} lines, signed for {@code ca} when given. */
    Path krl(String name, Path ca, String... spec) throws Exception {
        Path specFile = Files.writeString(tmp.resolve(name + ".spec"), String.join("\n", spec) + "\n");
        Path krl = tmp.resolve(name + ".krl");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ssh-keygen", "-q", "-k", "-f",
            krl.toString()));
        if (ca != null) {
            cmd.addAll(java.util.List.of("-s", ca + ".pub"));
        }
        cmd.add(specFile.toString());
        SshKeygen.run(cmd);
        return krl;
    }

    @Test
    void aKeyOrCertificateTheRevocationListRevokesIsRefusedWhateverKnownHostsSays() throws Exception {
        Path ca = sshKey("ca");
        Path host = sshKey("host");
        Path list = krl("plain", null, "key: " + SshKeygen.publicKey(host));
        Files.writeString(tmp.resolve("known_hosts"), "git.example.org " + SshKeygen.publicKey(host) + "\n");
        PinnedHostKeys pins = PinnedHostKeys.load(tmp.resolve("known_hosts"), java.util.Optional.of(list));

        PinnedHostKeys.Refusal refusal = refused(pins, "git.example.org", mina(SshKeygen.publicKey(host)));
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.REVOKED_BY_LIST);
        assertThat(refusal.detail()).isEqualTo("it is revoked: " + list + " revokes key " + fingerprint(host)
            + " (ssh.revoked-host-keys)");
        assertThat(new SourceFailure.HostKeyRefused("ssh://git@git.example.org/infra.git", "git.example.org",
            refusal.problem(), refusal.offered(), refusal.pinned(), pins.file(), refusal.detail()).message())
            .isEqualTo("host key of git.example.org refused for git source ssh://git@git.example.org/infra.git: the"
                + " server offered " + refusal.offered() + "; " + refusal.detail());

        // A certificate by its serial, for its CA: refused although the CA vouches for the host.
        Path serials = krl("serials", ca, "serial: 7");
        Files.writeString(tmp.resolve("known_hosts"), "@cert-authority * " + SshKeygen.publicKey(ca) + "\n");
        PinnedHostKeys byCa = PinnedHostKeys.load(tmp.resolve("known_hosts"), java.util.Optional.of(serials));
        assertThat(refused(byCa, "git.example.org", hostCertificate(ca, host, "git.example.org", "-5m:+1h")).detail())
            .startsWith("it is revoked: " + serials + " revokes certificate serial 7 of CA key");
        PinnedHostKeys notListed = PinnedHostKeys.load(tmp.resolve("known_hosts"),
            java.util.Optional.of(krl("other", ca, "serial: 8")));
        assertThat(notListed.accept("git.example.org", REMOTE, hostCertificate(ca, host, "git.example.org", "-5m:+1h"),
            NO_CONFIG, null)).as("another serial").isTrue();

        // A list that cannot be read refuses every key: what is revoked is unknown.
        Files.delete(serials);
        assertThat(refused(byCa, "git.example.org", hostCertificate(ca, host, "git.example.org", "-5m:+1h")).detail())
            .isEqualTo("ssh.revoked-host-keys " + serials + ": no such file; no host key is trusted while it cannot be"
                + " read");
    }

    @Test
    void aPinnedHostMustPresentItsPinnedKeyWhoeverCertifiesAnother() throws Exception {
        Path ca = sshKey("ca");
        Path host = sshKey("host");
        Path impostor = sshKey("impostor");
        PinnedHostKeys pins = pins("@cert-authority * " + SshKeygen.publicKey(ca),
            "git.example.org " + SshKeygen.publicKey(host));
        assertThat(pins.accept("git.example.org", REMOTE, hostCertificate(ca, host, "git.example.org", "-5m:+1h"),
            NO_CONFIG, null)).as("a certificate of the pinned key").isTrue();
        assertThat(refused(pins, "git.example.org", hostCertificate(ca, impostor, "git.example.org", "-5m:+1h"))
            .problem()).isEqualTo(SourceFailure.HostKeyProblem.CHANGED);
        // The pinned key's type is asked for first; the CA's key is never offered as a host key.
        assertThat(pins.lookup("git.example.org", REMOTE, NO_CONFIG)).singleElement()
            .satisfies(k -> assertThat(fingerprint(k)).isEqualTo(fingerprint(host)));
    }

    @Test
    void aPlainKeyOfAHostOnlyACaVouchesForIsUnknown() throws Exception {
        Path ca = sshKey("ca");
        PinnedHostKeys pins = pins("@cert-authority * " + SshKeygen.publicKey(ca));
        assertThat(pins.accept("git.example.org", REMOTE, mina(SshKeygen.publicKey(ca)), NO_CONFIG, null))
            .as("the CA's own key is no host key").isFalse();
        PinnedHostKeys.Refusal refusal = pins.lastRefusal().orElseThrow();
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
        assertThat(refusal.detail()).isEqualTo("it lists a CA for it, but the server presented a plain key, not a"
            + " host certificate");
    }

    @Test
    void theSshLibraryAbortsOnAnInvalidCertificateByDefault() {
        // TransportFailures reads those aborts as refused certificates; an upgrade that changed the
        // default would hand this class the certificate's plain key instead, and lose the reason.
        assertThat(CoreModuleProperties.ABORT_ON_INVALID_CERTIFICATE.getRequiredDefault()).isTrue();
    }

    @Test
    void lookupListsThePinnedKeysSoTheirAlgorithmIsNegotiated() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key), line("other.example.org", other),
            "@revoked " + line("git.example.org", other));
        assertThat(pins.lookup("git.example.org", REMOTE, NO_CONFIG)).singleElement()
            .satisfies(k -> assertThat(fingerprint(k)).isEqualTo(fingerprint(key)));
    }

    @Test
    void fileIsReadAgainOnEveryConnection() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key));
        Files.writeString(pins.file(), line("git.example.org", other) + "\n");
        assertThat(pins.accept("git.example.org", REMOTE, other, NO_CONFIG, null)).isTrue();
    }

    @Test
    void clearingForgetsTheLastRefusal() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key));
        pins.accept("git.example.org", REMOTE, other, NO_CONFIG, null);
        pins.clearRefusal();
        assertThat(pins.lastRefusal()).isEmpty();
    }

    @Test
    void malformedLineIsReportedWithItsNumber() {
        assertThatThrownBy(() -> pins(line("git.example.org", key), "git.example.org"))
            .isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.Misconfigured.class))
            .hasMessageContaining(tmp.resolve("known_hosts") + " line 2 is malformed");
    }

    @Test
    void aPortPatternIsReportedAsUnsupported() {
        assertThatThrownBy(() -> pins(line("[git.example.org]:*", key)))
            .hasMessageContaining("line 1 is malformed: a port pattern ([host]:*) is not supported here; list each"
                + " port ([host]:2222)");
    }

    @Test
    void missingFileIsReported() {
        assertThatThrownBy(() -> PinnedHostKeys.load(tmp.resolve("nope")))
            .isInstanceOf(GitSourceException.class)
            .hasMessage("git source misconfigured: cannot read known_hosts file " + tmp.resolve("nope") + ": no such file");
    }

    @Test
    void refusalMessagesNameHostFingerprintsAndFile() {
        Path file = tmp.resolve("known_hosts");
        SourceFailure unknown = new SourceFailure.HostKeyRefused("ssh://git@h/r", "[h]:2222",
            SourceFailure.HostKeyProblem.UNKNOWN, "ssh-ed25519 SHA256:abc", java.util.List.of(), file);
        assertThat(unknown.message()).isEqualTo("host key of [h]:2222 refused for git source ssh://git@h/r: the"
            + " server offered ssh-ed25519 SHA256:abc, and " + file + " has no key for [h]:2222. driftless never"
            + " trusts a key on first use: check this fingerprint out of band, then add the host's key to " + file
            + ", or its CA's as a @cert-authority line");
        SourceFailure invalid = new SourceFailure.HostKeyRefused("ssh://git@h/r", "h",
            SourceFailure.HostKeyProblem.INVALID_CERTIFICATE, "a host certificate of ssh-ed25519 SHA256:abc",
            java.util.List.of(), file, "it is issued for db-9, not for h");
        assertThat(invalid.message()).isEqualTo("host certificate of h refused for git source ssh://git@h/r: the server"
            + " offered a host certificate of ssh-ed25519 SHA256:abc, which is not valid for h: it is issued for db-9,"
            + " not for h. Refused; have the host's certificate renewed by its CA (ssh-keygen -s CA -h -n NAME)");
        assertThat(invalid.isTransient()).isFalse();
        SourceFailure changed = new SourceFailure.HostKeyRefused("ssh://git@h/r", "h",
            SourceFailure.HostKeyProblem.CHANGED, "ssh-ed25519 SHA256:new", java.util.List.of("ssh-ed25519 SHA256:old"),
            file);
        assertThat(changed.message()).contains("CHANGED", "SHA256:new", "pins ssh-ed25519 SHA256:old");
        assertThat(changed.isTransient()).isFalse();
    }

    /** SHA256 fingerprint of the key blob as written in known_hosts, computed as ssh-keygen -l does. */
    static String fingerprint(Path privateKey) throws Exception {
        return fingerprint(mina(SshKeygen.publicKey(privateKey)));
    }

    static String fingerprint(PublicKey k) throws Exception {
        byte[] blob = Base64.getDecoder().decode(PublicKeyEntry.toString(k).split(" ")[1]);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    }
}
