package dev.driftless.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git source against a real repository served over HTTPS by a test host: {@code git
 * http-backend} behind a small TLS server (certificate issued by a private CA made for this run)
 * that demands a Basic-auth token.
 */
class GitSourceHttpsIT {

    static final String TOKEN = "tok-" + UUID.randomUUID();
    static final String WORK = "/root/work";

    static TestHosts hosts;
    static Path localFiles;
    static Path caFile;
    static Path tokenFile;
    static String url;

    @TempDir
    Path tmp;

    @BeforeAll
    static void serveRepositoryOverHttps() throws IOException {
        hosts = TestHosts.builder().host("git", 8443).start();
        localFiles = hosts.workDir().resolve("https-it");
        Files.createDirectories(localFiles);
        onHost("mkdir", "-p", "/srv/git", "/srv/tls");
        onHost("git", "init", "-q", "--bare", "-b", "main", "/srv/git/infra.git");
        onHost("git", "clone", "-q", "/srv/git/infra.git", WORK);
        commitOnHost("hosts.yaml", "hosts: [app-1]\n", "Initial desired state");

        onHost("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "2", "-subj", "/CN=driftless test CA", "-keyout", "/srv/tls/ca.key", "-out", "/srv/tls/ca.pem");
        onHost("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=localhost", "-keyout", "/srv/tls/server.key", "-out", "/srv/tls/server.csr");
        writeOnHost("/srv/tls/san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        onHost("openssl", "x509", "-req", "-in", "/srv/tls/server.csr", "-CA", "/srv/tls/ca.pem",
            "-CAkey", "/srv/tls/ca.key", "-CAcreateserial", "-days", "2", "-extfile", "/srv/tls/san.ext",
            "-out", "/srv/tls/server.pem");
        writeOnHost("/srv/token", TOKEN + "\n");
        writeOnHost("/srv/git-https-server.py", resource("git-https-server.py"));
        onHost("systemd-run", "--unit=git-https", "python3", "/srv/git-https-server.py", "/srv/git", "8443",
            "/srv/token", "/srv/tls/server.pem", "/srv/tls/server.key", "/srv/requests.log");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
            hosts.execResult("git", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                "/srv/tls/ca.pem", "https://127.0.0.1:8443/infra.git/info/refs").getStdout().equals("401"));

        caFile = localFiles.resolve("ca.pem");
        Files.writeString(caFile, onHost("cat", "/srv/tls/ca.pem"));
        tokenFile = localFiles.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        url = "https://127.0.0.1:" + hosts.host("git").publishedPort(8443) + "/infra.git";
    }

    @AfterAll
    static void removeHost() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @BeforeEach
    void clearRequestLog() {
        onHost("truncate", "-s", "0", "/srv/requests.log");
    }

    GitSourceSettings settings() {
        return GitSourceSettings.of(url, tmp.resolve("cache")).withCaFile(caFile).withTokenFile(tokenFile)
            .withTimeout(Duration.ofSeconds(20));
    }

    @Test
    void tokenFromAFileAuthenticatesTheClone() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            PollResult poll = source.poll();

            assertThat(poll.moved()).isTrue();
            assertThat(poll.revision().sha()).isEqualTo(hostHead());
            assertThat(requests()).anyMatch(r -> r.endsWith(" 200 fetch"));
        }
    }

    @Test
    void tokenFromAnEnvironmentVariableAuthenticates() throws Exception {
        GitSourceSettings settings = settings().withTokenEnv("DRIFTLESS_GIT_TOKEN");
        try (GitSource source = GitSource.open(settings,
                name -> name.equals("DRIFTLESS_GIT_TOKEN") ? Optional.of(TOKEN) : Optional.empty())) {
            assertThat(source.poll().revision().sha()).isEqualTo(hostHead());
        }
    }

    @Test
    void unchangedBranchCostsOnlyARefCheckAndANewCommitIsFetched() throws Exception {
        try (GitSource source = GitSource.open(settings())) {
            source.poll();
            clearRequestLog();

            PollResult unchanged = source.poll();

            assertThat(unchanged.fetched()).isFalse();
            // Seen by the server itself: refs were listed, no pack was asked for.
            assertThat(requests()).isNotEmpty().noneMatch(r -> r.endsWith(" fetch"));

            String pushed = commitOnHost("hosts.yaml", "hosts: [app-1, app-2]\n", "Add app-2");
            clearRequestLog();
            PollResult moved = source.poll();

            assertThat(moved.moved()).isTrue();
            assertThat(moved.fetched()).isTrue();
            assertThat(moved.revision().sha()).isEqualTo(pushed);
            assertThat(requests()).anyMatch(r -> r.endsWith(" 200 fetch"));
        }
    }

    @Test
    void wrongTokenFailsClearlyWithoutRevealingIt() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        Path wrongFile = tmp.resolve("wrong-token");
        Files.writeString(wrongFile, wrong);
        try (GitSource source = GitSource.open(settings().withTokenFile(wrongFile))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.AuthFailed.class);
                assertThat(e.isTransient()).isFalse();
                assertThat(e).hasMessageContaining(url).hasMessageContaining(wrongFile.toString())
                    .hasMessageNotContaining(wrong).hasMessageNotContaining(TOKEN);
                assertThat(stackTraceOf(e)).doesNotContain(wrong).doesNotContain(TOKEN);
                assertThat(e.failure().toString()).doesNotContain(wrong);
            });
            assertThat(source.toString()).doesNotContain(wrong);
            assertThat(source.settings().toString()).doesNotContain(wrong);
        }
        assertThat(requests()).allMatch(r -> r.contains(" 401 "));
    }

    @Test
    void missingTokenIsAnAuthenticationFailureNamingTheSettings() throws Exception {
        try (GitSource source = GitSource.open(GitSourceSettings.of(url, tmp.resolve("cache")).withCaFile(caFile))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.AuthFailed.class);
                assertThat(e).hasMessageContaining("token-file or token-env");
            });
        }
    }

    @Test
    void certificateOfAPrivateCaIsRefusedWithoutTheCaFile() throws Exception {
        GitSourceSettings withoutCa = GitSourceSettings.of(url, tmp.resolve("cache")).withTokenFile(tokenFile);
        try (GitSource source = GitSource.open(withoutCa)) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class, e -> {
                assertThat(e.failure()).isInstanceOf(SourceFailure.UntrustedCertificate.class);
                assertThat(e.isTransient()).isFalse();
                assertThat(e).hasMessageContaining(url).hasMessageContaining("ca-file");
            });
        }
        assertThat(requests()).as("no request got past TLS").isEmpty();
    }

    @Test
    void caFileOfAnotherCaDoesNotVouchForTheServer() throws Exception {
        onHost("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "2", "-subj", "/CN=some other CA", "-keyout", "/tmp/other.key", "-out", "/tmp/other.pem");
        Path otherCa = tmp.resolve("other-ca.pem");
        Files.writeString(otherCa, onHost("cat", "/tmp/other.pem"));
        try (GitSource source = GitSource.open(settings().withCaFile(otherCa))) {
            assertThatThrownBy(source::poll).isInstanceOfSatisfying(GitSourceException.class,
                e -> assertThat(e.failure()).isInstanceOf(SourceFailure.UntrustedCertificate.class));
        }
    }

    // --- the host side ---------------------------------------------------------------------------

    static String onHost(String... argv) {
        return hosts.exec("git", argv);
    }

    /** Writes a file on the host; the content travels as an argument, never through a shell's parser. */
    static void writeOnHost(String path, String content) {
        onHost("sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", content, path);
    }

    static String commitOnHost(String path, String content, String message) {
        writeOnHost(WORK + "/" + path, content);
        onHost("git", "-C", WORK, "add", path);
        onHost("git", "-C", WORK, "-c", "user.name=Grace Hopper", "-c", "user.email=grace@example.org",
            "commit", "-q", "-m", message);
        onHost("git", "-C", WORK, "push", "-q", "origin", "main");
        return hostHead();
    }

    static String hostHead() {
        return onHost("git", "--git-dir", "/srv/git/infra.git", "rev-parse", "main").strip();
    }

    static List<String> requests() {
        return onHost("cat", "/srv/requests.log").lines().toList();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = GitSourceHttpsIT.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String stackTraceOf(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
