package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostKeyPolicyTest {

    @TempDir
    static Path dir;

    static HostKey ed;
    static HostKey other;
    static HostKey rsa;

    @BeforeAll
    static void keys() {
        ed = HostKey.parse(SshKeygen.publicKey(SshKeygen.generate(dir, "ed", "ed25519", "")));
        other = HostKey.parse(SshKeygen.publicKey(SshKeygen.generate(dir, "other", "ed25519", "")));
        rsa = HostKey.parse(SshKeygen.publicKey(SshKeygen.generate(dir, "rsa", "rsa", "")));
    }

    private static HostTarget target() {
        return new HostTarget("app-1", "10.0.0.5", 2222, "deploy", Optional.empty());
    }

    @Test
    void theInventoryPinAcceptsItsKeyAndNothingElse() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.empty(), false);
        HostTarget pinned = target().withHostKey(ed.toOpenSsh());
        assertThat(policy.check(pinned, ed)).isEmpty();
        assertThat(policy.check(pinned, other)).get().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED);
            assertThat(f.isTransient()).isFalse();
            assertThat(f.message()).contains("app-1").contains(other.fingerprint()).contains(ed.fingerprint())
                .contains("inventory").contains("refused");
        });
    }

    @Test
    void theInventoryPinWinsOverKnownHosts() {
        KnownHosts kh = KnownHosts.parse("[10.0.0.5]:2222 " + other.toOpenSsh() + "\n", "kh");
        HostKeyPolicy policy = new HostKeyPolicy(kh, true);
        assertThat(policy.check(target().withHostKey(ed.toOpenSsh()), other)).get()
            .extracting(HostFailure::kind).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED);
    }

    @Test
    void knownHostsPinsByAddressAndPortOrByName() {
        HostKeyPolicy byAddress = new HostKeyPolicy(KnownHosts.parse("[10.0.0.5]:2222 " + ed.toOpenSsh(), "kh"), true);
        assertThat(byAddress.check(target(), ed)).isEmpty();
        HostKeyPolicy byName = new HostKeyPolicy(KnownHosts.parse("[app-1]:2222 " + ed.toOpenSsh(), "kh"), true);
        assertThat(byName.check(target(), ed)).isEmpty();
        HostKeyPolicy wrongPort = new HostKeyPolicy(KnownHosts.parse("10.0.0.5 " + ed.toOpenSsh(), "kh"), true);
        assertThat(wrongPort.check(target(), ed)).get().extracting(HostFailure::kind)
            .isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN);
    }

    @Test
    void aKeyOtherThanTheKnownHostsPinIsAChangedKeyNamingTheLine() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("# x\n[10.0.0.5]:2222 " + ed.toOpenSsh(), "/k/known_hosts"), true);
        assertThat(policy.check(target(), other)).get().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED);
            assertThat(f.message()).contains(ed.describe() + " at /k/known_hosts:2");
        });
    }

    @Test
    void anUnknownKeyIsRefusedWithItsFingerprintAndHowToPinIt() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("", "/etc/driftless/known_hosts"), true);
        assertThat(policy.check(target(), ed)).get().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN);
            assertThat(f.isTransient()).isFalse();
            assertThat(f.host()).isEqualTo("app-1");
            assertThat(f.message())
                .contains("host app-1 (10.0.0.5:2222) offered host key " + ed.fingerprint() + " (ED25519)")
                .contains("never trusts a host key on first use")
                .contains("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")
                .contains("hostKey: \"" + ed.toOpenSsh() + "\"")
                .contains("add this line to /etc/driftless/known_hosts: [10.0.0.5]:2222 " + ed.toOpenSsh());
        });
    }

    @Test
    void withoutAKnownHostsFileTheAdviceSaysToConfigureOne() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.empty(), false);
        assertThat(policy.check(target(), ed)).get().extracting(HostFailure::message).asString()
            .contains("configure a known_hosts file");
    }

    @Test
    void aRevokedKeyIsRefusedEvenWhenPinned() {
        KnownHosts kh = KnownHosts.parse("@revoked * " + ed.toOpenSsh() + "\n", "kh");
        HostKeyPolicy policy = new HostKeyPolicy(kh, true);
        assertThat(policy.check(target().withHostKey(ed.toOpenSsh()), ed)).get().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED);
            assertThat(f.message()).contains("kh:1").contains("@revoked");
        });
    }

    @Test
    void theServerIsAskedForThePinnedKeyType() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("[10.0.0.5]:2222 " + rsa.toOpenSsh(), "kh"), true);
        assertThat(policy.preferredAlgorithms(target())).containsExactly("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");
        assertThat(policy.preferredAlgorithms(target().withHostKey(ed.toOpenSsh()))).containsExactly("ssh-ed25519");
        assertThat(new HostKeyPolicy(KnownHosts.empty(), false).preferredAlgorithms(target())).isEmpty();
    }
}
