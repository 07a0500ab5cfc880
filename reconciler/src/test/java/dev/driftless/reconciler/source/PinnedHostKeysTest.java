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
import org.apache.sshd.common.config.keys.PublicKeyEntry;
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
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isFalse();
        assertThat(pins.lastRefusal().orElseThrow().problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
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
        assertThat(pins.accept("git.example.org", REMOTE, other, NO_CONFIG, null)).isFalse();
        PinnedHostKeys.Refusal refusal = pins.lastRefusal().orElseThrow();
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.CHANGED);
        assertThat(refusal.offered()).isEqualTo("ecdsa-sha2-nistp256 " + fingerprint(other));
        assertThat(refusal.pinned()).containsExactly("ecdsa-sha2-nistp256 " + fingerprint(key));
    }

    @Test
    void unknownHostIsRefusedWithTheOfferedFingerprint() throws Exception {
        PinnedHostKeys pins = pins(line("other.example.org", key));
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isFalse();
        PinnedHostKeys.Refusal refusal = pins.lastRefusal().orElseThrow();
        assertThat(refusal.problem()).isEqualTo(SourceFailure.HostKeyProblem.UNKNOWN);
        assertThat(refusal.offered()).endsWith(fingerprint(key));
        assertThat(refusal.pinned()).isEmpty();
    }

    @Test
    void revokedKeyIsRefusedEvenIfAlsoPinned() throws Exception {
        PinnedHostKeys pins = pins(line("git.example.org", key), "@revoked " + line("*", key));
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isFalse();
        assertThat(pins.lastRefusal().orElseThrow().problem()).isEqualTo(SourceFailure.HostKeyProblem.REVOKED);
    }

    @Test
    void certificateAuthorityLinesAreIgnored() throws Exception {
        PinnedHostKeys pins = pins("@cert-authority " + line("*.example.org", key));
        assertThat(pins.accept("git.example.org", REMOTE, key, NO_CONFIG, null)).isFalse();
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
            + " trusts a key on first use: check this fingerprint out of band, then add the host's key to " + file);
        SourceFailure changed = new SourceFailure.HostKeyRefused("ssh://git@h/r", "h",
            SourceFailure.HostKeyProblem.CHANGED, "ssh-ed25519 SHA256:new", java.util.List.of("ssh-ed25519 SHA256:old"),
            file);
        assertThat(changed.message()).contains("CHANGED", "SHA256:new", "pins ssh-ed25519 SHA256:old");
        assertThat(changed.isTransient()).isFalse();
    }

    /** SHA256 fingerprint of the key blob as written in known_hosts, computed as ssh-keygen -l does. */
    static String fingerprint(PublicKey k) throws Exception {
        byte[] blob = Base64.getDecoder().decode(PublicKeyEntry.toString(k).split(" ")[1]);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    }
}
