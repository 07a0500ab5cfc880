package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.testhosts.TestHosts;
import java.time.Duration;
import java.util.Arrays;
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

        try (TestHosts hosts = TestHosts.builder().host("bench").start()) {
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
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2] / 1e6;
        double p90 = sorted[(int) (sorted.length * 0.9)] / 1e6;
        double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
        System.out.printf("BENCH %-66s n=%4d median %8.3f ms  p90 %8.3f ms  mean %8.3f ms%n",
            what, sorted.length, median, p90, mean);
    }
}
