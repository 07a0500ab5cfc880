package dev.driftless.reconciler.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.driftless.model.HttpProbe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health probe commands, each as the exact string sent to the host's shell. */
class ProbeCommandsTest {

    @Test
    void httpProbeFetchesThePathWithCurlAndFailsOnAnErrorStatus() {
        assertThat(http("172.17.0.5", 8080, "/healthz", Duration.ofSeconds(2)).render())
            .isEqualTo("curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 2 http://172.17.0.5:8080/healthz");
    }

    @Test
    void httpProbeOfTheRootPath() {
        assertThat(http("10.0.0.7", 80, "/", Duration.ofSeconds(5)).render())
            .isEqualTo("curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 5 http://10.0.0.7:80/");
    }

    @Test
    void httpProbeOfAnIpv6AddressPutsItInBracketsAndQuotesTheUrl() {
        assertThat(http("fd00::5", 8080, "/healthz", Duration.ofSeconds(2)).render())
            .isEqualTo("curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 2 'http://[fd00::5]:8080/healthz'");
    }

    @Test
    void httpProbeTimeoutKeepsMilliseconds() {
        assertThat(http("10.0.0.7", 80, "/", Duration.ofMillis(1500)).render())
            .contains(" --max-time 1.500 ");
        assertThat(http("10.0.0.7", 80, "/", Duration.ofMillis(250)).render())
            .contains(" --max-time 0.250 ");
    }

    @Test
    void httpProbeTimeoutIsNeverZeroWhichCurlWouldReadAsNoLimit() {
        assertThat(http("10.0.0.7", 80, "/", Duration.ZERO).render())
            .contains(" --max-time 0.001 ");
    }

    @Test
    void httpProbePathFromTheRepoIsOneQuotedWord() {
        assertThat(http("10.0.0.7", 8080, "/health?x=$(reboot)&y='1'", Duration.ofSeconds(2)).render())
            .isEqualTo("curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 2 "
                + "'http://10.0.0.7:8080/health?x=$(reboot)&y='\\''1'\\'''");
    }

    @Test
    void httpsProbeWithHeadersSkipsCertificateChecksAndSendsEachHeaderAsOneWord() {
        HttpProbe probe = new HttpProbe(8443, "/healthz", "https",
            new TreeMap<>(Map.of("Host", "api.example.org", "X-Probe", "a'b $(reboot)")));
        assertThat(ProbeCommands.http("172.17.0.5", probe, Duration.ofSeconds(2)).render())
            .isEqualTo("curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 2 --insecure"
                + " --header 'Host: api.example.org' --header 'X-Probe: a'\\''b $(reboot)'"
                + " https://172.17.0.5:8443/healthz");
    }

    @Test
    void tcpProbeOpensTheSocketWithBashAndPassesAddressAndPortAsArguments() {
        assertThat(ProbeCommands.tcp("172.17.0.5", 5432, Duration.ofSeconds(2)).render())
            .isEqualTo("timeout 2 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 172.17.0.5 5432");
    }

    @Test
    void tcpProbeTimeoutKeepsMilliseconds() {
        assertThat(ProbeCommands.tcp("172.17.0.5", 5432, Duration.ofMillis(500)).render())
            .isEqualTo("timeout 0.500 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 172.17.0.5 5432");
    }

    @Test
    void tcpProbeAddressNeverBecomesPartOfTheScript() {
        assertThat(ProbeCommands.tcp("x; touch /tmp/pwned", 1, Duration.ofSeconds(1)).render())
            .isEqualTo("timeout 1 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 'x; touch /tmp/pwned' 1");
    }

    /** The exact rendering, run by a real sh with the host's bash: an open port passes, a closed one fails. */
    @Test
    void tcpProbeRunByShPassesOnAnOpenPortAndFailsOnAClosedOne() throws Exception {
        try (ServerSocket open = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(sh(ProbeCommands.tcp("127.0.0.1", open.getLocalPort(), Duration.ofSeconds(2)).render()))
                .isZero();
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(sh(ProbeCommands.tcp("127.0.0.1", closed, Duration.ofSeconds(2)).render())).isNotZero();
    }

    /** The exact rendering, run by a real sh with curl: 2xx and 3xx pass, 5xx and 404 fail. */
    @Test
    void httpProbeRunByShPassesOnSuccessAndRedirectAndFailsOnErrors() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/healthz", answer(200));
        server.createContext("/moved", answer(302));
        server.createContext("/broken", answer(503));
        server.start();
        try {
            int port = server.getAddress().getPort();
            assertThat(sh(http("127.0.0.1", port, "/healthz", Duration.ofSeconds(5)).render())).isZero();
            assertThat(sh(http("127.0.0.1", port, "/moved", Duration.ofSeconds(5)).render())).isZero();
            assertThat(sh(http("127.0.0.1", port, "/broken", Duration.ofSeconds(5)).render())).isNotZero();
            assertThat(sh(http("127.0.0.1", port, "/nothing-here", Duration.ofSeconds(5)).render()))
                .isNotZero();
        } finally {
            server.stop(0);
        }
    }

    /** The exact rendering, run by a real sh with curl: the headers arrive as written, metacharacters and all. */
    @Test
    void httpProbeRunByShSendsItsHeaders() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/healthz", exchange -> {
            boolean routed = "api.example.org".equals(exchange.getRequestHeaders().getFirst("Host"))
                && "a'b $(touch /tmp/pwned-probe)".equals(exchange.getRequestHeaders().getFirst("X-Probe"));
            exchange.sendResponseHeaders(routed ? 200 : 421, -1);
            exchange.close();
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            HttpProbe withHeaders = new HttpProbe(port, "/healthz", "http",
                new TreeMap<>(Map.of("Host", "api.example.org", "X-Probe", "a'b $(touch /tmp/pwned-probe)")));
            assertThat(sh(ProbeCommands.http("127.0.0.1", withHeaders, Duration.ofSeconds(5)).render())).isZero();
            assertThat(sh(http("127.0.0.1", port, "/healthz", Duration.ofSeconds(5)).render()))
                .as("without them the server refuses").isNotZero();
            assertThat(Path.of("/tmp/pwned-probe")).doesNotExist();
        } finally {
            server.stop(0);
        }
    }

    /** The exact rendering, run by a real sh with curl, against a real TLS server with a self-signed certificate. */
    @Test
    void httpsProbeRunByShPassesAgainstASelfSignedServer(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-alias", "server", "-keyalg", "EC", "-dname", "CN=api.example.org", "-validity", "2")
            .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keys.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/healthz", answer(200));
        server.start();
        try {
            int port = server.getAddress().getPort();
            HttpProbe https = new HttpProbe(port, "/healthz", "https", new TreeMap<>());
            assertThat(sh(ProbeCommands.http("127.0.0.1", https, Duration.ofSeconds(5)).render())).isZero();
            assertThat(sh(http("127.0.0.1", port, "/healthz", Duration.ofSeconds(5)).render()))
                .as("plain http to a TLS port").isNotZero();
        } finally {
            server.stop(0);
        }
    }

    /**
     * Hosts often export a proxy for the SSH session (/etc/environment through pam_env); a probe
     * of a container's own address must never go through it.
     */
    @Test
    void httpProbeIgnoresAProxyInTheHostsEnvironment() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/healthz", answer(200));
        server.start();
        int deadProxy;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadProxy = s.getLocalPort();
        }
        try {
            String proxy = "http://127.0.0.1:" + deadProxy;
            String probe = http("127.0.0.1", server.getAddress().getPort(), "/healthz",
                Duration.ofSeconds(5)).render();
            assertThat(sh("export http_proxy=" + proxy + " HTTP_PROXY=" + proxy + " all_proxy=" + proxy
                + " ALL_PROXY=" + proxy + " no_proxy= NO_PROXY=; " + probe)).isZero();
        } finally {
            server.stop(0);
        }
    }

    private static HttpHandler answer(int status) {
        return exchange -> {
            exchange.getResponseHeaders().add("Location", "/healthz");
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        };
    }

    /** A plain {@code http} probe of {@code path} without headers. */
    private static RemoteCommand http(String address, int port, String path, Duration timeout) {
        return ProbeCommands.http(address, new HttpProbe(port, path), timeout);
    }

    private static int sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return p.exitValue();
    }
}
