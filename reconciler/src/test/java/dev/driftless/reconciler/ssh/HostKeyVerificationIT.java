package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.ExternalTool;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host keys against real sshd: pinned keys connect, anything else is refused with the offered fingerprint. */
class HostKeyVerificationIT {

    static TestHosts hosts;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        hosts = TestHosts.builder().host("alpha").host("beta").start();
    }

    @AfterAll
    static void stop() {
        if (hosts != null) {
            hosts.close();
        }
    }

    static HostTarget target(String name) {
        TestHost h = hosts.host(name);
        return new HostTarget(name, "127.0.0.1", h.sshPort(), "deploy", Optional.empty());
    }

    static SshHostPool pool(Optional<Path> knownHosts) {
        return SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), knownHosts)
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }

    static String whoami(SshHostPool pool, HostTarget target) throws HostException {
        return pool.session(target).run(RemoteCommand.of("whoami"), Duration.ofSeconds(10)).stdout();
    }

    /** What ssh-keygen on the host itself says the fingerprint of its ed25519 key is. */
    static String fingerprintOnHost(String host) {
        return hosts.exec(host, "ssh-keygen", "-l", "-E", "sha256", "-f", "/etc/ssh/ssh_host_ed25519_key.pub").split(" ")[1];
    }

    @Test
    void anUnknownHostKeyIsRefusedWithTheFingerprintSshKeygenShows() throws Exception {
        Path empty = Files.writeString(dir.resolve("known_hosts"), "");
        try (SshHostPool pool = pool(Optional.of(empty))) {
            assertThatThrownBy(() -> whoami(pool, target("alpha")))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN);
                    assertThat(e.failure().isTransient()).isFalse();
                    assertThat(e.getMessage())
                        .contains("host alpha")
                        .contains(fingerprintOnHost("alpha") + " (ED25519)")
                        .contains("never trusts a host key on first use")
                        .contains("hostKey: \"" + hosts.host("alpha").hostKey() + "\"")
                        .contains(hosts.host("alpha").knownHostsLine());
                });
            assertThat(pool.connectionsOpened()).isZero();
        }
    }

    @Test
    void withoutAnyPinEveryHostIsRefused() {
        try (SshHostPool pool = pool(Optional.empty())) {
            assertThatThrownBy(() -> whoami(pool, target("beta")))
                .isInstanceOfSatisfying(HostException.class,
                    e -> assertThat(e.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN));
        }
    }

    @Test
    void aPlainKnownHostsEntryIsAccepted() throws Exception {
        try (SshHostPool pool = pool(Optional.of(hosts.knownHostsFile()))) {
            assertThat(whoami(pool, target("alpha"))).isEqualTo("deploy\n");
        }
    }

    @Test
    void aHashedKnownHostsEntryIsAccepted() throws Exception {
        Path hashed = Files.copy(hosts.knownHostsFile(), dir.resolve("known_hosts_hashed"));
        SshKeygen.hash(hashed);
        assertThat(Files.readString(hashed)).startsWith("|1|").doesNotContain("127.0.0.1");
        try (SshHostPool pool = pool(Optional.of(hashed))) {
            assertThat(whoami(pool, target("alpha"))).isEqualTo("deploy\n");
            assertThat(whoami(pool, target("beta"))).isEqualTo("deploy\n");
        }
    }

    @Test
    void anInventoryPinIsAcceptedWithoutAnyKnownHostsFile() throws Exception {
        try (SshHostPool pool = pool(Optional.empty())) {
            assertThat(whoami(pool, target("alpha").withHostKey(hosts.host("alpha").hostKey()))).isEqualTo("deploy\n");
        }
    }

    @Test
    void aChangedKeyIsRefusedWhenTheInventoryPinsAnotherHostsKey() {
        try (SshHostPool pool = pool(Optional.of(hosts.knownHostsFile()))) {
            HostTarget impostor = target("alpha").withHostKey(hosts.host("beta").hostKey());
            assertThatThrownBy(() -> whoami(pool, impostor))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED);
                    assertThat(e.getMessage()).contains("host alpha")
                        .contains(fingerprintOnHost("alpha"))
                        .contains(fingerprintOnHost("beta"))
                        .contains("intercepting");
                });
        }
    }

    @Test
    void aChangedKeyIsRefusedWhenKnownHostsPinsAnotherHostsKey() throws Exception {
        TestHost alpha = hosts.host("alpha");
        Path swapped = Files.writeString(dir.resolve("known_hosts"),
            "[127.0.0.1]:" + alpha.sshPort() + " " + hosts.host("beta").hostKey() + "\n");
        try (SshHostPool pool = pool(Optional.of(swapped))) {
            assertThatThrownBy(() -> whoami(pool, target("alpha")))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_CHANGED);
                    assertThat(e.getMessage()).contains(swapped + ":1");
                });
        }
    }

    @Test
    void aRevokedKeyIsRefusedEvenThoughItIsPinned() throws Exception {
        Path file = Files.writeString(dir.resolve("known_hosts"),
            hosts.host("alpha").knownHostsLine() + "\n@revoked * " + hosts.host("alpha").hostKey() + "\n");
        try (SshHostPool pool = pool(Optional.of(file))) {
            assertThatThrownBy(() -> whoami(pool, target("alpha")))
                .isInstanceOfSatisfying(HostException.class,
                    e -> assertThat(e.kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED));
        }
    }

    @Test
    void aPinOfTheHostsRsaKeyMakesTheHostOfferThatKey() throws Exception {
        String rsa = hosts.exec("alpha", "cat", "/etc/ssh/ssh_host_rsa_key.pub").strip();
        try (SshHostPool pool = pool(Optional.empty())) {
            assertThat(whoami(pool, target("alpha").withHostKey(rsa))).isEqualTo("deploy\n");
        }
    }

    @Test
    void aKeyAddedToKnownHostsIsPickedUpWithoutRestartingThePool() throws Exception {
        Path file = Files.writeString(dir.resolve("known_hosts"), "# nothing pinned yet\n");
        try (SshHostPool pool = pool(Optional.of(file))) {
            assertThatThrownBy(() -> whoami(pool, target("beta"))).isInstanceOf(HostException.class);
            Files.writeString(file, "# pinned now\n" + hosts.host("beta").knownHostsLine() + "\n");
            assertThat(whoami(pool, target("beta"))).isEqualTo("deploy\n");
        }
    }

    void certifyBeta(Path ca, String principals, String validity) {
        hosts.presentHostCertificate("beta", ca, principals, validity);
    }

    Path caKey(String name) {
        Path key = dir.resolve(name);
        ExternalTool.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString()), dir,
            Map.of(), Duration.ofSeconds(30));
        return key;
    }

    static String publicKey(Path key) throws Exception {
        return Files.readString(Path.of(key + ".pub")).strip();
    }

    @Test
    void aHostKeyTheRevocationListRevokesIsRefusedAndAnUnreadableListRefusesEveryHost() throws Exception {
        Path knownHosts = Files.writeString(dir.resolve("known_hosts_krl"), hosts.host("alpha").knownHostsLine() + "\n"
            + hosts.host("beta").knownHostsLine() + "\n");
        Path spec = Files.writeString(dir.resolve("revoke-beta.spec"), "key: " + hosts.exec("beta", "cat",
            "/etc/ssh/ssh_host_ed25519_key.pub").strip() + "\n");
        Path krl = dir.resolve("hosts.krl");
        ExternalTool.run(List.of("ssh-keygen", "-q", "-k", "-f", krl.toString(), spec.toString()), dir, Map.of(),
            Duration.ofSeconds(30));
        SshSettings settings = SshSettings.defaults(hosts.deployKeyFile(), Optional.of(knownHosts))
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)).withRevokedHostKeys(Optional.of(krl));
        try (SshHostPool pool = SshHostPool.open(settings)) {
            assertThat(whoami(pool, target("alpha"))).isEqualTo("deploy\n");
            assertThatThrownBy(() -> whoami(pool, target("beta"))).isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.failure().kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED);
                assertThat(e.getMessage()).contains("which is revoked: " + krl + " revokes key " + fingerprintOnHost("beta")
                    + " (ssh.revoked-host-keys); refused.");
            });

            // Taken off the list (a new, empty KRL): the same pool connects, no restart needed.
            Files.writeString(spec, "# nothing revoked\n");
            Files.delete(krl);
            ExternalTool.run(List.of("ssh-keygen", "-q", "-k", "-f", krl.toString(), spec.toString()), dir, Map.of(),
                Duration.ofSeconds(30));
            assertThat(whoami(pool, target("beta"))).isEqualTo("deploy\n");

            // Gone: no new connection to any host until it is back (a connection already open stays).
            Files.delete(krl);
            HostTarget alphaAgain = new HostTarget("alpha-2", "127.0.0.1", hosts.host("alpha").sshPort(), "deploy",
                Optional.empty());
            assertThatThrownBy(() -> whoami(pool, alphaAgain)).isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.failure().kind()).isEqualTo(HostFailure.Kind.HOST_KEY_REVOKED);
                assertThat(e.getMessage()).isEqualTo("host alpha-2 not connected: ssh.revoked-host-keys " + krl
                    + ": no such file; no host key is trusted while the revoked ones cannot be read");
            });
        }
        assertThatThrownBy(() -> SshHostPool.open(settings)).as("a start with the list missing")
            .isInstanceOf(SshConfigurationException.class).hasMessage("ssh.revoked-host-keys " + krl + ": no such file");
    }

    @Test
    void aHostCertificateOfATrustedCaIsAcceptedForTheHostItNamesAndRefusedOtherwise() throws Exception {
        Path ca = caKey("fleet-ca");
        Path other = caKey("other-ca");
        Path knownHosts = Files.writeString(dir.resolve("known_hosts_ca"), "@cert-authority [127.0.0.1]:* "
            + publicKey(ca) + "\n");
        try {
            // Issued for the address driftless connects to, or for the host's inventory name.
            for (String principals : List.of("127.0.0.1", "beta.example.org,beta")) {
                certifyBeta(ca, principals, "-5m:+1h");
                try (SshHostPool pool = pool(Optional.of(knownHosts))) {
                    assertThat(whoami(pool, target("beta"))).as(principals).isEqualTo("deploy\n");
                }
            }
            certifyBeta(ca, "db-9.example.org", "-5m:+1h");
            assertRefused(knownHosts, HostFailure.Kind.HOST_KEY_UNKNOWN, "offered a host certificate of " + fingerprintOnHost("beta") + " (ED25519)",
                "(\"beta-host\", serial 42) signed by CA key " + fingerprint(ca) + ", which is not valid for it: it is"
                    + " issued for db-9.example.org, not for 127.0.0.1 or beta; refused.");
            certifyBeta(ca, "127.0.0.1", "20250101Z:20250201Z");
            assertRefused(knownHosts, HostFailure.Kind.HOST_KEY_UNKNOWN, "which is not valid for it: it is expired at"
                + " 2025-02-01T00:00:00Z");
            certifyBeta(other, "127.0.0.1", "-5m:+1h");
            assertRefused(knownHosts, HostFailure.Kind.HOST_KEY_UNKNOWN, "signed by CA key " + fingerprint(other)
                + ", but no @cert-authority line of " + knownHosts + " names that CA for [127.0.0.1]:"
                + hosts.host("beta").sshPort() + " (it trusts " + fingerprint(ca) + " at line 1)");
            // An RSA host key's certificate, which OpenSSH offers signed with SHA-2 only.
            hosts.presentHostCertificate("beta", ca, "127.0.0.1", "-5m:+1h", "rsa");
            try (SshHostPool pool = pool(Optional.of(knownHosts))) {
                assertThat(whoami(pool, target("beta"))).as("rsa-sha2-512-cert-v01").isEqualTo("deploy\n");
            }
            // A revoked CA takes every certificate it signed with it.
            certifyBeta(ca, "127.0.0.1", "-5m:+1h");
            Path revoked = Files.writeString(dir.resolve("known_hosts_revoked"), Files.readString(knownHosts)
                + "@revoked * " + publicKey(ca) + "\n");
            assertRefused(revoked, HostFailure.Kind.HOST_KEY_REVOKED, "marks that CA key @revoked; refused.");
        } finally {
            hosts.withdrawHostCertificate("beta");
        }
    }

    void assertRefused(Path knownHosts, HostFailure.Kind kind, String message) {
        try (SshHostPool pool = pool(Optional.of(knownHosts))) {
            assertThatThrownBy(() -> whoami(pool, target("beta"))).isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.failure().kind()).isEqualTo(kind);
                assertThat(e.getMessage()).contains(message);
            });
        }
    }

    void assertRefused(Path knownHosts, HostFailure.Kind kind, String start, String message) {
        assertRefused(knownHosts, kind, start);
        assertRefused(knownHosts, kind, message);
    }

    static String fingerprint(Path key) {
        return ExternalTool.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"), null, Map.of(),
            Duration.ofSeconds(30)).split(" ")[1];
    }
}
