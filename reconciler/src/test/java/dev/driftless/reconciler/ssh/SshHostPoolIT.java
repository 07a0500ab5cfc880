package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sshj pool against real sshd: reuse, reconnect, timeouts, stdin, file writes, authentication, unreachable hosts. */
class SshHostPoolIT {

    static TestHosts hosts;
    static SshSettings settings;

    @BeforeAll
    static void start() {
        hosts = TestHosts.builder().host("alpha").host("beta").start();
        settings = SshSettings.defaults(hosts.deployKeyFile(), Optional.of(hosts.knownHostsFile()))
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20));
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

    static String out(HostSession s, String... argv) throws HostException {
        CommandResult r = s.run(RemoteCommand.of(argv[0], java.util.Arrays.copyOfRange(argv, 1, argv.length)),
            Duration.ofSeconds(20));
        assertThat(r.exitCode()).as("%s: %s", String.join(" ", argv), r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    void oneConnectionServesManyCommandsSequentialAndConcurrent() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            HostSession alpha = pool.session(target("alpha"));
            for (int i = 0; i < 10; i++) {
                assertThat(out(alpha, "echo", "n" + i)).isEqualTo("n" + i + "\n");
            }
            try (ExecutorService pool8 = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String word = "c" + i;
                    results.add(pool8.submit(() -> out(pool.session(target("alpha")), "echo", word)));
                }
                for (int i = 0; i < 20; i++) {
                    assertThat(results.get(i).get()).isEqualTo("c" + i + "\n");
                }
            }
            assertThat(pool.connectionsOpened()).isEqualTo(1);
            assertThat(pool.connectedHosts()).containsExactly("alpha");
        }
    }

    @Test
    void withAnIdleTimeoutAnIdleConnectionIsClosedButNeverOneRunningACommand() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings.withIdleTimeout(Duration.ofSeconds(1)))) {
            HostSession alpha = pool.session(target("alpha"));
            // A command longer than the idle timeout keeps its connection: it is not idle.
            assertThat(out(alpha, "sh", "-c", "sleep 3; echo slept")).isEqualTo("slept\n");
            assertThat(pool.connectionsOpened()).isEqualTo(1);
            // Then nothing uses it: closed, and its reader thread and socket with it.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> pool.connectedHosts().isEmpty());
            org.awaitility.Awaitility.await("sshd sees the connection gone").atMost(Duration.ofSeconds(10))
                .until(() -> hosts.exec("alpha", "sh", "-c", "ss -Htn state established '( sport = :22 )' | wc -l")
                    .strip().equals("0"));
            // The next command reconnects.
            assertThat(out(alpha, "echo", "again")).isEqualTo("again\n");
            assertThat(pool.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void throughAJumpHostAHostOnlyItCanReachIsObservedEndToEnd(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // beta by its name on the hosts' network: only alpha, the jump host, can resolve and reach it.
        HostTarget betaInside = new HostTarget("beta", "beta", 22, "deploy", Optional.empty());
        String betaKey = hosts.exec("beta", "cat", "/etc/ssh/ssh_host_ed25519_key.pub").strip();
        Path knownHosts = java.nio.file.Files.writeString(dir.resolve("known_hosts"),
            hosts.host("alpha").knownHostsLine() + "\nbeta " + betaKey + "\n");
        JumpHost jump = new JumpHost("deploy", "127.0.0.1", hosts.host("alpha").sshPort());
        SshSettings via = settings.withKnownHosts(Optional.of(knownHosts)).withJump(JumpRules.every(jump));
        try (SshHostPool pool = SshHostPool.open(via)) {
            HostSession beta = pool.session(betaInside);
            assertThat(out(beta, "hostname")).isEqualTo("beta\n");
            assertThat(out(beta, "sh", "-c", "echo $SSH_CONNECTION")).as("sshd on beta sees the jump host's address")
                .doesNotStartWith("127.0.0.1");
            assertThat(pool.connectionsOpened()).as("the jump host's connection is not a host's").isEqualTo(1);

            // A port nothing listens on behind the jump host: unreachable, saying where it failed.
            HostTarget closed = new HostTarget("beta-closed", "beta", 2, "deploy", Optional.empty());
            assertThatThrownBy(() -> out(pool.session(closed), "true")).isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.failure().kind()).isEqualTo(HostFailure.Kind.UNREACHABLE);
                assertThat(e.getMessage()).startsWith("host beta-closed (deploy@beta:2) is unreachable: jump host " + jump
                    + " could not open a connection to beta:2 (");
            });
        }
        try (SshHostPool direct = SshHostPool.open(settings.withKnownHosts(Optional.of(knownHosts)))) {
            assertThatThrownBy(() -> out(direct.session(betaInside), "true")).as("without the jump host")
                .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.failure().kind())
                    .isEqualTo(HostFailure.Kind.UNREACHABLE));
        }
        // The jump host's own key is pinned like any host's: unknown, nothing is tunnelled through it.
        Path betaOnly = java.nio.file.Files.writeString(dir.resolve("known_hosts_beta"), "beta " + betaKey + "\n");
        try (SshHostPool pool = SshHostPool.open(via.withKnownHosts(Optional.of(betaOnly)))) {
            assertThatThrownBy(() -> out(pool.session(betaInside), "true")).isInstanceOfSatisfying(HostException.class,
                e -> {
                    assertThat(e.failure().kind()).isEqualTo(HostFailure.Kind.HOST_KEY_UNKNOWN);
                    assertThat(e.getMessage()).startsWith("host beta (deploy@beta:22) not reached through jump host "
                        + jump + ": host 127.0.0.1 (127.0.0.1:" + hosts.host("alpha").sshPort() + ") offered host key");
                });
        }
    }

    @Test
    void jumpRulesSendEachHostThroughItsOwnJumpHostOrDirectly(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // Two private networks in miniature: alpha by its network name only through beta, beta only through alpha.
        String alphaKey = hosts.exec("alpha", "cat", "/etc/ssh/ssh_host_ed25519_key.pub").strip();
        String betaKey = hosts.exec("beta", "cat", "/etc/ssh/ssh_host_ed25519_key.pub").strip();
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), hosts.host("alpha").knownHostsLine() + "\n"
            + hosts.host("beta").knownHostsLine() + "\nalpha " + alphaKey + "\nbeta " + betaKey + "\n");
        JumpHost viaAlpha = new JumpHost("deploy", "127.0.0.1", hosts.host("alpha").sshPort());
        JumpHost viaBeta = new JumpHost("deploy", "127.0.0.1", hosts.host("beta").sshPort());
        // A chain, as ProxyJump alpha,beta: into alpha, from there into beta by its name, from beta to the host.
        JumpRoute chain = new JumpRoute(List.of(viaAlpha, new JumpHost("deploy", "beta", 22)));
        JumpRules rules = new JumpRules(List.of(
            new JumpRules.Rule(Optional.of(chain), new java.util.TreeMap<>(java.util.Map.of("zone", "deep")), List.of()),
            new JumpRules.Rule(Optional.of(JumpRoute.of(viaAlpha)), new java.util.TreeMap<>(java.util.Map.of("zone", "a")), List.of()),
            new JumpRules.Rule(Optional.empty(), new java.util.TreeMap<>(), List.of("*-direct")),
            new JumpRules.Rule(Optional.of(JumpRoute.of(viaBeta)), new java.util.TreeMap<>(), List.of("alpha"))));
        HostTarget betaInZoneA = new HostTarget("beta-a", "beta", 22, "deploy", Optional.empty(),
            new java.util.TreeMap<>(java.util.Map.of("zone", "a")));
        HostTarget alphaByName = new HostTarget("alpha-inside", "alpha", 22, "deploy", Optional.empty());
        HostTarget alphaDirect = new HostTarget("alpha-direct", "127.0.0.1", hosts.host("alpha").sshPort(), "deploy",
            Optional.empty());
        String alphaIp = hosts.exec("alpha", "hostname", "-i").strip();
        String betaIp = hosts.exec("beta", "hostname", "-i").strip();
        try (SshHostPool pool = SshHostPool.open(settings.withKnownHosts(Optional.of(knownHosts)).withJump(rules))) {
            assertThat(out(pool.session(betaInZoneA), "sh", "-c", "hostname; echo $SSH_CONNECTION"))
                .as("beta by its label, through alpha").startsWith("beta\n" + alphaIp + " ");
            assertThat(out(pool.session(alphaByName), "sh", "-c", "hostname; echo $SSH_CONNECTION"))
                .as("alpha by its name, through beta").startsWith("alpha\n" + betaIp + " ");
            assertThat(out(pool.session(alphaDirect), "sh", "-c", "echo $SSH_CONNECTION"))
                .as("a host the direct rule matches first").doesNotStartWith(betaIp).doesNotStartWith(alphaIp);
            HostTarget alphaTwoHopsAway = new HostTarget("alpha-deep", "alpha", 22, "deploy", Optional.empty(),
                new java.util.TreeMap<>(java.util.Map.of("zone", "deep")));
            assertThat(out(pool.session(alphaTwoHopsAway), "sh", "-c", "hostname; echo $SSH_CONNECTION"))
                .as("alpha through alpha and then beta: the last hop connects").startsWith("alpha\n" + betaIp + " ");
            assertThat(pool.connectionsOpened()).as("jump hosts' connections are not hosts'").isEqualTo(4);
        }
    }

    @Test
    void atMostMaxParallelHostsCommandsAreInFlightAtOnce() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings.withMaxParallelHosts(2))) {
            HostSession alpha = pool.session(target("alpha"));
            out(alpha, "rm", "-f", "/tmp/slots");
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    results.add(callers.submit(() -> out(alpha, "sh", "-c",
                        "echo + >> /tmp/slots; sleep 0.3; echo - >> /tmp/slots")));
                }
                for (Future<String> f : results) {
                    f.get();
                }
            }
            int inFlight = 0;
            int most = 0;
            for (String line : out(alpha, "cat", "/tmp/slots").split("\n")) {
                inFlight += line.equals("+") ? 1 : -1;
                most = Math.max(most, inFlight);
            }
            assertThat(most).isEqualTo(2);
        }
    }

    @Test
    void aHostRefusingMoreChannelsFailsThoseCommandsButKeepsTheConnection() throws Exception {
        hosts.exec("beta", "sh", "-c", "echo 'MaxSessions 1' > /etc/ssh/sshd_config.d/00-max-sessions.conf");
        hosts.exec("beta", "systemctl", "restart", "ssh");
        try (SshHostPool pool = SshHostPool.open(settings);
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            HostSession beta = pool.session(target("beta"));
            out(beta, "true");
            // One command holds the only session the host allows...
            Future<String> holder = callers.submit(() -> await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> out(beta, "sleep", "2.5"), r -> true));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                hosts.execResult("beta", "pgrep", "-f", "sleep 2.5").getExitCode() == 0);
            // ...so the next one is refused a channel, without losing the connection.
            assertThatThrownBy(() -> beta.run(RemoteCommand.of("true"), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.REMOTE_COMMAND_FAILED);
                    assertThat(e.getMessage()).contains("beta").contains("MaxSessions");
                });
            assertThat(holder.get()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(out(beta, "echo", "ok")).isEqualTo("ok\n"));
            assertThat(pool.connectionsOpened()).isEqualTo(1);
        } finally {
            hosts.exec("beta", "rm", "/etc/ssh/sshd_config.d/00-max-sessions.conf");
            hosts.exec("beta", "systemctl", "restart", "ssh");
        }
    }

    @Test
    void aDeadConnectionIsReestablishedOnNextUse() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            HostSession beta = pool.session(target("beta"));
            String before = out(beta, "sh", "-c", "echo $PPID");
            // sshd restarted, and this connection's own sshd process killed: the connection is dead.
            hosts.exec("beta", "systemctl", "restart", "ssh");
            // (OpenSSH 9.8 and later, trixie's 10.0 among them, serve a session from "sshd-session".)
            hosts.exec("beta", "pkill", "-KILL", "-f", "sshd(-session)?: deploy");
            String after = out(beta, "sh", "-c", "echo $PPID");
            assertThat(after).isNotEqualTo(before);
            assertThat(pool.connectionsOpened()).isEqualTo(2);
            assertThat(out(beta, "true")).isEmpty();
            assertThat(pool.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void exitCodeStdoutAndStderrComeBackSeparately() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            CommandResult r = pool.session(target("alpha"))
                .run(RemoteCommand.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10));
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).isEqualTo("err\n");
            assertThat(r.succeeded()).isFalse();
            assertThat(r.duration()).isPositive();
            CommandResult killed = pool.session(target("alpha"))
                .run(RemoteCommand.of("sh", "-c", "kill -KILL $$"), Duration.ofSeconds(10));
            assertThat(killed.exitCode()).isEqualTo(128 + 9);
        }
    }

    @Test
    void largeOutputAndStdinArriveIntact() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            HostSession alpha = pool.session(target("alpha"));
            String seq = out(alpha, "seq", "1", "400000");
            assertThat(seq.lines().count()).isEqualTo(400000);
            assertThat(seq).endsWith("\n399999\n400000\n");
            byte[] input = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(1).nextBytes(input);
            CommandResult r = alpha.run(RemoteCommand.of("sha256sum"), input, Duration.ofSeconds(30));
            String expected = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(input));
            assertThat(r.stdout()).startsWith(expected);
        }
    }

    @Test
    void aCommandThatOutlivesItsTimeoutIsStoppedAndTheConnectionStaysUsable() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            HostSession alpha = pool.session(target("alpha"));
            long started = System.nanoTime();
            assertThatThrownBy(() -> alpha.run(RemoteCommand.of("sleep", "4242"), Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.COMMAND_TIMEOUT);
                    assertThat(e.failure().isTransient()).isTrue();
                    assertThat(e.getMessage()).contains("alpha").contains("1s").contains("sleep 4242");
                });
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(out(alpha, "echo", "still here")).isEqualTo("still here\n");
            assertThat(pool.connectionsOpened()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(hosts.execResult("alpha", "pgrep", "-f", "sleep 4242").getExitCode()).isEqualTo(1));
        }
    }

    @Test
    void aSecretFileIsPrivateExactAndNeverOnACommandLine() throws Exception {
        String secret = "s3cr3t-" + UUID.randomUUID();
        byte[] content = ("DB_PASSWORD=" + secret + "\nQUOTED='$(touch /tmp/pwned)'\n").getBytes(StandardCharsets.UTF_8);
        try (SshHostPool pool = SshHostPool.open(settings)) {
            RecordingHostSession alpha = RecordingHostSession.recording(pool.session(target("alpha")));
            alpha.writeFile(".driftless/env/api-1.env", content, 0600);
            assertThat(hosts.exec("alpha", "stat", "-c", "%a %U", "/home/deploy/.driftless/env/api-1.env"))
                .isEqualTo("600 deploy\n");
            assertThat(hosts.exec("alpha", "stat", "-c", "%a %U", "/home/deploy/.driftless/env"))
                .isEqualTo("700 deploy\n");
            assertThat(hosts.exec("alpha", "cat", "/home/deploy/.driftless/env/api-1.env"))
                .isEqualTo(new String(content, StandardCharsets.UTF_8));
            assertThat(alpha.readFile(".driftless/env/api-1.env")).get().isEqualTo(content);

            byte[] replaced = ("DB_PASSWORD=" + secret + "-v2\n").getBytes(StandardCharsets.UTF_8);
            alpha.writeFile(".driftless/env/api-1.env", replaced, 0600);
            assertThat(alpha.readFile(".driftless/env/api-1.env")).get().isEqualTo(replaced);
            assertThat(hosts.exec("alpha", "ls", "-A", "/home/deploy/.driftless/env")).isEqualTo("api-1.env\n");
            assertThat(alpha.readFile(".driftless/env/missing.env")).isEmpty();
            assertThat(hosts.execResult("alpha", "test", "-e", "/tmp/pwned").getExitCode()).isEqualTo(1);

            assertThat(alpha.renderedCommands()).hasSize(5).noneMatch(c -> c.contains(secret));
            assertThat(alpha.calls()).filteredOn(RecordingHostSession.Ran.class::isInstance)
                .map(c -> ((RecordingHostSession.Ran) c).stdinBytes()).contains(content.length, replaced.length);
        }
    }

    @Test
    void aFileOutsideTheUsersOwnDirectoriesIsRefused() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            assertThatThrownBy(() -> pool.session(target("alpha")).writeFile("/x.env", new byte[] {1}, 0600))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.session(target("alpha")).writeFile("/etc/driftless/x.env", new byte[] {1}, 0600))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.REMOTE_COMMAND_FAILED);
                    assertThat(e.getMessage()).contains("/etc/driftless/x.env").contains("alpha");
                });
        }
    }

    @Test
    void keysOfEveryTypeAuthenticateAndAPassphraseIsUsed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path rsa = SshKeygen.generate(dir, "id_rsa", "rsa", "", "-m", "PEM");
        Path ecdsa = SshKeygen.generate(dir, "id_ecdsa", "ecdsa", "pass phrase");
        for (Path key : List.of(rsa, ecdsa)) {
            hosts.exec("beta", "sh", "-c", "echo \"$1\" >> /home/deploy/.ssh/authorized_keys", "sh", SshKeygen.publicKey(key));
        }
        try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(rsa, Optional.of(hosts.knownHostsFile())))) {
            assertThat(out(pool.session(target("beta")), "whoami")).isEqualTo("deploy\n");
        }
        SshSettings withPassphrase = SshSettings.defaults(ecdsa, Optional.of(hosts.knownHostsFile())).withKeyPassphrase("pass phrase");
        try (SshHostPool pool = SshHostPool.open(withPassphrase)) {
            assertThat(out(pool.session(target("beta")), "whoami")).isEqualTo("deploy\n");
        }
    }

    @Test
    void aRefusedKeyIsATerminalAuthFailureNamingHostAndUser(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path stranger = SshKeygen.generate(dir, "id_stranger", "ed25519", "");
        try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(stranger, Optional.of(hosts.knownHostsFile())))) {
            assertThatThrownBy(() -> pool.session(target("alpha")).run(RemoteCommand.of("true"), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.AUTH_FAILED);
                    assertThat(e.failure().isTransient()).isFalse();
                    assertThat(e.getMessage()).contains("alpha").contains("user deploy").contains(stranger.toString())
                        .contains("authorized_keys");
                });
            assertThat(pool.connectionsOpened()).isZero();
        }
    }

    @Test
    void aPortWithNothingListeningIsUnreachableAtOnce() throws Exception {
        int port = dev.driftless.reconciler.testhosts.LoopbackPorts.closed();
        try (SshHostPool pool = SshHostPool.open(settings)) {
            HostTarget nobody = new HostTarget("nobody", "127.0.0.1", port, "deploy", Optional.empty());
            assertThatThrownBy(() -> pool.session(nobody).run(RemoteCommand.of("true"), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(HostException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HostFailure.Kind.UNREACHABLE);
                    assertThat(e.getMessage()).contains("nobody").contains("connection refused");
                });
        }
    }

    @Test
    void aServerThatNeverSpeaksSshIsUnreachableWithinTheConnectTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread.startVirtualThread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            SshSettings quick = settings.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
            try (SshHostPool pool = SshHostPool.open(quick)) {
                HostTarget mute = new HostTarget("mute", "127.0.0.1", silent.getLocalPort(), "deploy", Optional.empty());
                long started = System.nanoTime();
                assertThatThrownBy(() -> pool.session(mute).run(RemoteCommand.of("true"), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(HostException.class, e -> {
                        assertThat(e.kind()).isEqualTo(HostFailure.Kind.UNREACHABLE);
                        assertThat(e.getMessage()).contains("mute").contains("within 2s");
                    });
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void aPausedHostIsUnreachableWithinTheTimeoutsAndRecoversWhenItReturns() throws Exception {
        SshSettings quick = settings.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3));
        try (SshHostPool pool = SshHostPool.open(quick)) {
            HostSession beta = pool.session(target("beta"));
            assertThat(out(beta, "true")).isEmpty();
            hosts.pause("beta");
            try {
                long started = System.nanoTime();
                assertThatThrownBy(() -> beta.run(RemoteCommand.of("true"), Duration.ofSeconds(3)))
                    .isInstanceOfSatisfying(HostException.class,
                        e -> assertThat(e.failure().isTransient()).isTrue());
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
                // A fresh connect to the frozen host fails within the connect timeout too.
                started = System.nanoTime();
                assertThatThrownBy(() -> beta.run(RemoteCommand.of("true"), Duration.ofSeconds(3)))
                    .isInstanceOfSatisfying(HostException.class,
                        e -> assertThat(e.kind()).isEqualTo(HostFailure.Kind.UNREACHABLE));
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
            } finally {
                hosts.unpause("beta");
            }
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .untilAsserted(() -> assertThat(out(beta, "echo", "back")).isEqualTo("back\n"));
        }
    }

    @Test
    void keepAlivesFromOneThreadDropAConnectionToAFrozenHostAndKeepTheOthers() throws Exception {
        SshSettings keepAlive = settings.withKeepAliveInterval(Duration.ofSeconds(1));
        try (SshHostPool pool = SshHostPool.open(keepAlive)) {
            HostSession alpha = pool.session(target("alpha"));
            HostSession beta = pool.session(target("beta"));
            assertThat(out(alpha, "true")).isEmpty();
            assertThat(out(beta, "true")).isEmpty();
            assertThat(pool.keptAlive()).isEqualTo(2);
            // One timer thread for the pool, none of sshj's per connection.
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t instanceof net.schmizz.keepalive.KeepAlive)
                .anyMatch(t -> t.getName().equals("driftless-ssh-keepalive"));

            hosts.pause("beta");
            try {
                // Idle, frozen: only the keep-alives can tell, after five of them went unanswered.
                await().atMost(Duration.ofSeconds(30)).until(() -> !pool.connectedHosts().contains("beta"));
                assertThat(pool.connectedHosts()).as("alpha answers its keep-alives").containsExactly("alpha");
                assertThat(pool.keptAlive()).isEqualTo(1);
                assertThat(pool.connectionsOpened()).isEqualTo(2);
            } finally {
                hosts.unpause("beta");
            }
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .untilAsserted(() -> assertThat(out(beta, "echo", "back")).isEqualTo("back\n"));
            assertThat(pool.connectionsOpened()).as("beta reconnected, alpha's connection kept").isEqualTo(3);
            assertThat(pool.keptAlive()).isEqualTo(2);
        }
    }

    @Test
    void disconnectAndRetainOnlyCloseConnections() throws Exception {
        try (SshHostPool pool = SshHostPool.open(settings)) {
            out(pool.session(target("alpha")), "true");
            out(pool.session(target("beta")), "true");
            assertThat(pool.connectedHosts()).containsExactly("alpha", "beta");
            pool.session(target("alpha")).disconnect();
            assertThat(pool.connectedHosts()).containsExactly("beta");
            out(pool.session(target("alpha")), "true");
            assertThat(pool.connectionsOpened()).isEqualTo(3);
            pool.retainOnly(List.of(target("alpha")));
            assertThat(pool.connectedHosts()).containsExactly("alpha");
        }
    }

    @Test
    void aClosedPoolRefusesWork() {
        SshHostPool pool = SshHostPool.open(settings);
        HostSession alpha = pool.session(target("alpha"));
        pool.close();
        assertThatThrownBy(() -> alpha.run(RemoteCommand.of("true"), Duration.ofSeconds(1)))
            .isInstanceOf(IllegalStateException.class);
        assertThat(Files.exists(hosts.deployKeyFile())).isTrue();
    }
}
