package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
}
