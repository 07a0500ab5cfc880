package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.testhosts.TestHosts;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.common.IOUtils;
import org.junit.jupiter.api.Test;

/**
 * Not a test: measures what sharing one sshj configuration saves, for docs/ssh.md. Run it with
 * {@code -Dit.test=SshSetupBenchmark -Dtest=none}; figures go to stdout (failsafe's report file).
 */
class SshSetupBenchmark {

    @Test
    void measure() throws Exception {
        int n = Integer.getInteger("bench.n", 200);
        long cold = System.nanoTime();
        new DefaultConfig();
        System.out.printf("BENCH %-66s %8.3f ms%n", "first DefaultConfig in this JVM (cold)", (System.nanoTime() - cold) / 1e6);
        Config shared = SharedSshConfig.get();
        for (int i = 0; i < 50; i++) { // warm-up: class loading, JIT
            new SSHClient(new DefaultConfig()).close();
            new SSHClient(shared).close();
        }
        long[] perClient = new long[n];
        long[] sharedClient = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            new SSHClient().close(); // what `new SSHClient()` does: a fresh DefaultConfig every time
            perClient[i] = System.nanoTime() - t;
            t = System.nanoTime();
            new SSHClient(shared).close();
            sharedClient[i] = System.nanoTime() - t;
        }
        report("client construction, fresh DefaultConfig", perClient);
        report("client construction, shared config", sharedClient);

        try (TestHosts hosts = TestHosts.builder().host("bench").host("bastion").start()) {
            int port = hosts.host("bench").sshPort();
            HostTarget target = new HostTarget("bench", "127.0.0.1", port, "deploy",
                Optional.of(hosts.host("bench").hostKey()));
            int m = Integer.getInteger("bench.connects", 30);
            long[] freshConnect = new long[m];
            long[] sharedConnect = new long[m];
            for (int i = 0; i < m + 5; i++) {
                long fresh = connectRunClose(new SSHClient(), hosts, target);
                long sh = connectRunClose(new SSHClient(shared), hosts, target);
                if (i >= 5) {
                    freshConnect[i - 5] = fresh;
                    sharedConnect[i - 5] = sh;
                }
            }
            report("new client + connect + login + one command, fresh DefaultConfig", freshConnect);
            report("new client + connect + login + one command, shared config", sharedConnect);

            long[] poolFirst = new long[m];
            for (int i = 0; i < m; i++) {
                try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.empty()))) {
                    long t = System.nanoTime();
                    pool.session(target).run(dev.driftless.reconciler.command.RemoteCommand.of("true"), Duration.ofSeconds(10));
                    poolFirst[i] = System.nanoTime() - t;
                }
            }
            report("pool: first command on a host (connect + login + command)", poolFirst);

            try (SshHostPool pool = SshHostPool.open(SshSettings.defaults(hosts.deployKeyFile(), Optional.empty()))) {
                HostSession s = pool.session(target);
                s.run(dev.driftless.reconciler.command.RemoteCommand.of("true"), Duration.ofSeconds(10));
                long[] reused = new long[m];
                for (int i = 0; i < m; i++) {
                    long t = System.nanoTime();
                    s.run(dev.driftless.reconciler.command.RemoteCommand.of("true"), Duration.ofSeconds(10));
                    reused[i] = System.nanoTime() - t;
                }
                report("one command on the pool's reused connection", reused);
            }

            // Through a jump host (ssh.jump): the bench host by its name on the hosts' network,
            // which only the bastion resolves; the bastion's connection is opened once, before.
            java.nio.file.Path knownHosts = java.nio.file.Files.writeString(hosts.workDir().resolve("bench_known_hosts"),
                hosts.host("bastion").knownHostsLine() + "\nbench " + hosts.host("bench").hostKey() + "\n");
            SshSettings viaBastion = SshSettings.defaults(hosts.deployKeyFile(), Optional.of(knownHosts))
                .withJump(JumpRules.every(new JumpHost("deploy", "127.0.0.1", hosts.host("bastion").sshPort())));
            try (SshHostPool pool = SshHostPool.open(viaBastion)) {
                pool.session(new HostTarget("warm-up", "bench", 22, "deploy", Optional.empty()))
                    .run(dev.driftless.reconciler.command.RemoteCommand.of("true"), Duration.ofSeconds(10));
                long[] jumped = new long[m];
                for (int i = 0; i < m; i++) {
                    // A new name is a new connection, through the bastion's one open connection.
                    HostTarget behind = new HostTarget("bench-" + i, "bench", 22, "deploy", Optional.empty());
                    long t = System.nanoTime();
                    pool.session(behind).run(dev.driftless.reconciler.command.RemoteCommand.of("true"),
                        Duration.ofSeconds(10));
                    jumped[i] = System.nanoTime() - t;
                }
                report("pool via jump host: first command on a host (tunnel + login + command)", jumped);
                HostSession s = pool.session(new HostTarget("bench-0", "bench", 22, "deploy", Optional.empty()));
                long[] reused = new long[m];
                for (int i = 0; i < m; i++) {
                    long t = System.nanoTime();
                    s.run(dev.driftless.reconciler.command.RemoteCommand.of("true"), Duration.ofSeconds(10));
                    reused[i] = System.nanoTime() - t;
                }
                report("pool via jump host: one command on a reused connection", reused);
            }
        }
    }

    private static long connectRunClose(SSHClient client, TestHosts hosts, HostTarget target) throws Exception {
        long t = System.nanoTime();
        client.setSocketFactory(new NoDelaySocketFactory());
        client.addHostKeyVerifier(new net.schmizz.sshj.transport.verification.HostKeyVerifier() {
            @Override
            public boolean verify(String h, int p, java.security.PublicKey key) {
                return HostKey.of(key).sameKey(target.pinnedKey().orElseThrow());
            }

            @Override
            public java.util.List<String> findExistingAlgorithms(String h, int p) {
                return java.util.List.of("ssh-ed25519");
            }
        });
        client.connect(target.address(), target.port());
        client.authPublickey(target.user(), hosts.deployKeyFile().toString());
        try (Session session = client.startSession()) {
            Session.Command cmd = session.exec("true");
            IOUtils.readFully(cmd.getInputStream());
            cmd.join(10, TimeUnit.SECONDS);
        }
        client.close();
        return System.nanoTime() - t;
    }

    private static void report(String what, long[] nanos) {
        dev.driftless.reconciler.Bench.report(what, nanos);
    }
}
