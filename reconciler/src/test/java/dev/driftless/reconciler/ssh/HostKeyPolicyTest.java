package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.sshkeys.SshCertificate;
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
    void aKeyOrCertificateTheRevocationListRevokesIsRefusedWhateverPinsOrVouchesForIt() throws Exception {
        SshKeygen.generate(dir, "krl-ca", "ed25519", "");
        HostKey ca = HostKey.parse(SshKeygen.publicKey(dir.resolve("krl-ca")));
        Path spec = java.nio.file.Files.writeString(dir.resolve("hosts.spec"), "key: " + ed.toOpenSsh() + "\nserial: 13\n");
        Path krl = dir.resolve("hosts.krl");
        SshKeygen.run(java.util.List.of("ssh-keygen", "-q", "-k", "-f", krl.toString(), "-s", dir.resolve("krl-ca")
            + ".pub", spec.toString()));
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("@cert-authority * " + ca.toOpenSsh(), "kh"), true,
            dev.driftless.reconciler.sshkeys.RevokedKeys.read(krl));

        assertThat(policy.check(target().withHostKey(ed.toOpenSsh()), ed)).as("pinned in the inventory, revoked")
            .hasValueSatisfying(f -> {
                assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED);
                assertThat(f.message()).contains("offered host key " + ed.describe() + ", which is revoked: " + krl
                    + " revokes key " + ed.fingerprint() + " (ssh.revoked-host-keys); refused.");
            });
        assertThat(policy.check(target().withHostKey(other.toOpenSsh()), other)).isEmpty();

        String window = "20261201Z:20261231Z";
        SshKeygen.certify(dir.resolve("krl-ca"), dir.resolve("other"), true, "app-1", "10.0.0.5", window, 13);
        SshCertificate serial13 = SshCertificate.parse(java.util.Base64.getDecoder().decode(
            java.nio.file.Files.readString(dir.resolve("other-cert.pub")).split(" ")[1]));
        assertThat(policy.checkCertificate(target(), serial13, NOW)).hasValueSatisfying(f -> {
            assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED);
            assertThat(f.message()).contains("which is revoked: " + krl + " revokes certificate serial 13 of CA key");
        });
        SshKeygen.certify(dir.resolve("krl-ca"), dir.resolve("other"), true, "app-1", "10.0.0.5", window, 14);
        SshCertificate serial14 = SshCertificate.parse(java.util.Base64.getDecoder().decode(
            java.nio.file.Files.readString(dir.resolve("other-cert.pub")).split(" ")[1]));
        assertThat(policy.checkCertificate(target(), serial14, NOW)).isEmpty();
    }

    @Test
    void theServerIsAskedForThePinnedKeyType() {
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("[10.0.0.5]:2222 " + rsa.toOpenSsh(), "kh"), true);
        assertThat(policy.preferredAlgorithms(target())).containsExactly("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");
        assertThat(policy.preferredAlgorithms(target().withHostKey(ed.toOpenSsh()))).containsExactly("ssh-ed25519");
        assertThat(new HostKeyPolicy(KnownHosts.empty(), false).preferredAlgorithms(target())).isEmpty();
    }

    /** {@code ssh-keygen -s CA [-h] -I id -n principals -V validity} of {@code key}: the certificate as a blob. */
    static SshCertificate certificate(String key, String ca, boolean host, String principals, String validity) {
        String line = SshKeygen.certify(dir.resolve(ca), dir.resolve(key), host, key + "-cert", principals, validity, 0);
        return SshCertificate.parse(java.util.Base64.getDecoder().decode(line.split(" ")[1]));
    }

    static final java.time.Instant NOW = java.time.Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void aHostCertificateIsTrustedThroughItsCaForTheHostsAddressOrNameWhileValid() throws Exception {
        SshKeygen.generate(dir, "ca", "ed25519", "");
        HostKey ca = HostKey.parse(SshKeygen.publicKey(dir.resolve("ca")));
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("@cert-authority [10.0.0.*]:2222 " + ca.toOpenSsh(),
            "kh"), true);
        String window = "20261201Z:20261231Z";
        assertThat(policy.checkCertificate(target(), certificate("ed", "ca", true, "10.0.0.5", window), NOW)).isEmpty();
        assertThat(policy.checkCertificate(target(), certificate("ed", "ca", true, "*.internal,app-?", window), NOW))
            .isEmpty();
        assertThat(policy.preferredAlgorithms(target())).startsWith("ssh-ed25519-cert-v01@openssh.com");

        assertThat(policy.checkCertificate(target(), certificate("ed", "ca", true, "db-1", window), NOW))
            .hasValueSatisfying(f -> assertThat(f.message()).endsWith("which is not valid for it: it is issued for db-1,"
                + " not for 10.0.0.5 or app-1; refused."));
        assertThat(policy.checkCertificate(target(), certificate("ed", "ca", false, "10.0.0.5", window), NOW))
            .hasValueSatisfying(f -> assertThat(f.message()).contains("it is a user certificate, not a host certificate"));
        assertThat(policy.checkCertificate(target(), certificate("ed", "ca", true, "10.0.0.5", "20270101Z:20270201Z"),
            NOW)).hasValueSatisfying(f -> assertThat(f.message()).contains("it is valid only from 2027-01-01T00:00:00Z"
                + " on, and it is 2026-12-06T12:00:00Z"));
        // No critical option is defined for hosts, so one voids a host certificate (as in OpenSSH).
        SshCertificate c = certificate("ed", "ca", true, "10.0.0.5", window);
        SshCertificate restricted = new SshCertificate(c.plainKey(), c.serial(), c.type(), c.keyId(), c.principals(),
            c.validAfter(), c.validBefore(), java.util.List.of("force-command"), c.signatureKey(), c.signature(),
            c.signed());
        assertThat(policy.checkCertificate(target(), restricted, NOW)).hasValueSatisfying(f -> assertThat(f.message())
            .contains("which is not valid for it: it carries critical options (force-command), which no host certificate"
                + " may; refused."));
        // Another port is another host for known_hosts: the CA line does not reach it.
        HostTarget elsewhere = new HostTarget("app-9", "10.0.0.5", 22, "deploy", Optional.empty());
        assertThat(policy.checkCertificate(elsewhere, certificate("ed", "ca", true, "10.0.0.5", window), NOW))
            .hasValueSatisfying(f -> {
                assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN);
                assertThat(f.message()).contains("but no @cert-authority line of kh names that CA for 10.0.0.5;");
            });
    }

    @Test
    void aPinnedHostsCertificateMustCertifyThePinnedKey() throws Exception {
        SshKeygen.generate(dir, "ca2", "ed25519", "");
        HostKeyPolicy policy = new HostKeyPolicy(KnownHosts.parse("[10.0.0.5]:2222 " + ed.toOpenSsh(), "kh"), true);
        assertThat(policy.checkCertificate(target(), certificate("ed", "ca2", true, "10.0.0.5", "always:forever"), NOW))
            .isEmpty();
        assertThat(policy.checkCertificate(target(), certificate("other", "ca2", true, "10.0.0.5", "always:forever"),
            NOW)).hasValueSatisfying(f -> assertThat(f.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED));
    }
}
