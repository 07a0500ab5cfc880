package dev.driftless.reconciler.testhosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.IOUtils;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/** Proves the harness: two real hosts, pinned host keys, a service image run in one host's dockerd. */
class TestHostsIT {

    static TestHosts hosts;

    @BeforeAll
    static void startHosts() {
        hosts = TestHosts.builder().host("alpha").host("beta").start();
    }

    @AfterAll
    static void removeHosts() {
        if (hosts == null) {
            return;
        }
        var ids = hosts.hosts().stream().map(TestHost::containerId).toList();
        hosts.close();
        var left = DockerClientFactory.instance().client().listContainersCmd()
            .withShowAll(true).withLabelFilter(java.util.Map.of(TestHosts.LABEL, "true")).exec()
            .stream().filter(c -> ids.contains(c.getId())).toList();
        assertThat(left).as("containers left behind by the harness").isEmpty();
    }

    @Test
    void serviceRunsOnlyInTheHostWhoseDockerdStartedIt() throws IOException {
        hosts.loadImage("alpha", "driftless/sample-svc:1.0.0");
        try (SSHClient alpha = connect(hosts.host("alpha")); SSHClient beta = connect(hosts.host("beta"))) {
            assertThat(run(alpha, "id -nG")).contains("docker");
            run(alpha, "docker run -d --name harness-probe -p 18080:8080 driftless/sample-svc:1.0.0");
            assertThat(run(alpha, "docker ps --format '{{.Names}} {{.Image}}'"))
                .contains("harness-probe driftless/sample-svc:1.0.0");
            assertThat(run(beta, "docker ps -a --format '{{.Names}}'")).doesNotContain("harness-probe");
            assertThat(run(alpha, "for i in $(seq 50); do curl -sf localhost:18080/version && break; sleep 0.1; done"))
                .isEqualTo("1.0.0\n");
        }
    }

    @Test
    void eachHostHasItsOwnHostKey() {
        assertThat(hosts.host("alpha").hostKey()).isNotEqualTo(hosts.host("beta").hostKey());
    }

    @Test
    void aHostPresentingAnotherKeyIsRefused() {
        TestHost alpha = hosts.host("alpha");
        TestHost impostor = new TestHost(alpha.name(), alpha.containerId(), alpha.sshPort(),
            hosts.host("beta").hostKey(), alpha.networkAddress(), alpha.extraPorts());
        assertThatThrownBy(() -> connect(impostor).close()).isInstanceOf(TransportException.class);
    }

    static SSHClient connect(TestHost host) throws IOException {
        SSHClient client = new SSHClient();
        client.addHostKeyVerifier(pinned(host.hostKey()));
        client.setConnectTimeout(10_000);
        client.connect("127.0.0.1", host.sshPort());
        client.authPublickey("deploy", client.loadKeys(hosts.deployKeyFile().toString()));
        return client;
    }

    /** Accepts exactly the pinned key; nothing is trusted on first use. */
    static HostKeyVerifier pinned(String hostKey) {
        byte[] expected = Base64.getDecoder().decode(hostKey.split(" ")[1]);
        return new HostKeyVerifier() {
            @Override
            public boolean verify(String hostname, int port, PublicKey key) {
                return Arrays.equals(new Buffer.PlainBuffer().putPublicKey(key).getCompactData(), expected);
            }

            @Override
            public java.util.List<String> findExistingAlgorithms(String hostname, int port) {
                return java.util.List.of(hostKey.split(" ")[0]);
            }
        };
    }

    static String run(SSHClient client, String command) throws IOException {
        try (Session session = client.startSession()) {
            Session.Command cmd = session.exec(command);
            String out = IOUtils.readFully(cmd.getInputStream()).toString(StandardCharsets.UTF_8);
            String err = IOUtils.readFully(cmd.getErrorStream()).toString(StandardCharsets.UTF_8);
            cmd.join(30, TimeUnit.SECONDS);
            assertThat(cmd.getExitStatus()).as("exit status of %s (stderr: %s)", command, err).isZero();
            return out;
        }
    }
}
