package dev.driftless.reconciler.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DirectoryTree;
import dev.driftless.reconciler.apply.Applier;
import dev.driftless.reconciler.cli.Main;
import dev.driftless.reconciler.daemon.Deferrals;
import dev.driftless.reconciler.history.Backoff;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.testhosts.RepoApply;
import dev.driftless.reconciler.testhosts.TestHost;
import dev.driftless.reconciler.testhosts.TestHosts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code driftless plan} against real hosts (sshd + dockerd): a plan that creates; the same repo
 * applied, then changed by hand on the hosts and planned again; repo values full of shell
 * metacharacters proven harmless on the hosts; an unknown host key and an unreachable host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlanCommandIT {

    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final String NASTY = "$(touch /tmp/pwned-env); `touch /tmp/pwned-tick` ' \" ; rm -rf ~ | x";

    static TestHosts hosts;
    @TempDir
    static Path dir;
    static Path repo;

    @BeforeAll
    static void start() throws IOException {
        hosts = TestHosts.builder().host("app-1").host("app-2").start();
        for (TestHost h : hosts.hosts()) {
            hosts.loadImage(h.name(), "driftless/sample-svc:1.0.0");
        }
        repo = dir.resolve("infra");
        Files.createDirectories(repo.resolve("services"));
        Files.createDirectories(repo.resolve("secrets"));
        Files.copy(EXAMPLES.resolve("infra-repo/secrets/shop.yaml"), repo.resolve("secrets/shop.yaml"));
        writeHosts(hosts.host("app-1").hostKey(), hosts.host("app-2").hostKey());
        Files.writeString(repo.resolve("services/web.yaml"), """
            image: driftless/sample-svc:1.0.0
            placement: {selector: {role: web}}
            env:
              MODE: http
              WEIRD: '%s'
            secrets:
              DB_PASSWORD: secrets/shop.yaml#db.password
            health:
              http: {port: 8080, path: /healthz}
              timeout: 20s
            """.formatted(NASTY.replace("'", "''")));
    }

    @AfterAll
    static void stop() {
        if (hosts != null) {
            hosts.close();
        }
    }

    static void writeHosts(String key1, String key2) throws IOException {
        Files.writeString(repo.resolve("hosts.yaml"), """
            defaults: {user: deploy}
            hosts:
              app-1: {address: 127.0.0.1, port: %d, host-key: "%s", labels: {role: web}}
              app-2: {address: 127.0.0.1, port: %d, host-key: "%s", labels: {role: web}}
            """.formatted(hosts.host("app-1").sshPort(), key1, hosts.host("app-2").sshPort(), key2));
    }

    /** A copy of the repo under {@code name} in the test's directory, to change without touching the original. */
    static Path copyOfRepo(String name) throws IOException {
        return dev.driftless.reconciler.TestFiles.copyTree(repo, dir.resolve(name));
    }

    /** A copy of the repo under {@code name} whose web service has {@code placement}. */
    static Path withWebPlacement(String name, String placement) throws IOException {
        Path copy = copyOfRepo(name);
        Path web = copy.resolve("services/web.yaml");
        Files.writeString(web, Files.readString(web).replace("placement: {selector: {role: web}}",
            "placement: " + placement));
        return copy;
    }

    /** The first host the repo at {@code dir} places web on. */
    static String firstHostOfWeb(Path dir) {
        dev.driftless.model.Repo loaded = dev.driftless.model.RepoLoader.load(new DirectoryTree(dir), Optional.empty())
            .repo().orElseThrow();
        return loaded.placedOn(loaded.services().get("web")).getFirst().name();
    }

    record Run(int exit, String out, String err) {
    }

    static Run plan(String... extra) {
        return planRepo(repo, extra);
    }

    static Run planRepo(Path dir, String... extra) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] base = {"plan", "--repo", dir.toString(), "--ssh-key", hosts.deployKeyFile().toString(),
            "--age-key", EXAMPLES.resolve("keys/demo-age.txt").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @Order(1)
    void planOnEmptyHostsCreatesEveryInstance() {
        Run run = plan();

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.EXIT_CHANGES);
        assertThat(run.out()).contains("2 to create, 0 to replace, 0 to start, 0 to remove, 0 unchanged")
            .containsPattern("app-1 +web-1 +create +→ 1\\.0\\.0 +no container for this instance")
            .containsPattern("app-2 +web-1 +create");
    }

    @Test
    @Order(2)
    void appliedPlanLeavesNothingToDoAndMetacharactersReachTheContainerVerbatim() throws Exception {
        Applier.Result result = RepoApply.apply(repo, hosts.deployKeyFile(),
            Optional.of(EXAMPLES.resolve("keys/demo-age.txt")), "0123456789abcdef0123").result();
        assertThat(result.services()).containsEntry("web", ServiceOutcome.SUCCEEDED);

        Run run = plan();
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(Main.EXIT_OK);
        assertThat(run.out()).contains("No changes");

        for (TestHost h : hosts.hosts()) {
            String env = hosts.exec(h.name(), "sh", "-c",
                "docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' $(docker ps -q)");
            assertThat(env).contains("WEIRD=" + NASTY).contains("DB_PASSWORD=");
            assertThat(hosts.execResult(h.name(), "ls", "/tmp/pwned-env", "/home/deploy/pwned-env",
                "/tmp/pwned-tick").getExitCode()).as("no injected command ran").isNotZero();
            assertThat(hosts.exec(h.name(), "sh", "-c", "ls -A /home/deploy/.driftless/env || true"))
                .as("the secret env file is gone once the container runs").isBlank();
        }

        // Restarts operators asked for (driftless restart) show as the daemon would serve them;
        // one the daemon would refuse is named on stderr.
        Path config = dir.resolve("driftless.yaml");
        Files.writeString(config, "repo: {url: %s}\nssh: {key: %s}\nstate-dir: %s\n".formatted(repo,
            hosts.deployKeyFile(), dir.resolve("state")));
        try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(dir.resolve("state")), "default")) {
            history.requestRestart("web", List.of("app-1"), "config reload", "alice");
            history.requestRestart("nosuch", List.of(), "typo", "bob");
        }
        try {
            Run asked = plan("--config", config.toString());
            assertThat(asked.exit()).as(asked.out() + asked.err()).isEqualTo(Main.EXIT_CHANGES);
            assertThat(asked.out()).containsPattern("app-1 +web-1 +restart +1\\.0\\.0 +restart requested by alice:"
                + " config reload").contains("1 to restart").contains("1 instance unchanged");
            assertThat(asked.err()).containsPattern("the daemon would end restart request #\\d+ of nosuch without"
                + " restarting: service nosuch is not in the desired state");
        } finally {
            try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(dir.resolve("state")), "default")) {
                history.cancelRestarts("web", "test");
                history.cancelRestarts("nosuch", "test");
            }
        }
    }

    @Test
    @Order(3)
    void aPullRequestThatRetiresAHostPlansTheRemovalOfWhatRunsThere() throws Exception {
        Path checkout = copyOfRepo("checkout");
        try (Git git = Git.init().setDirectory(checkout.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("As deployed").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call();
            String inventory = Files.readString(checkout.resolve("hosts.yaml"));
            Files.writeString(checkout.resolve("hosts.yaml"), inventory.substring(0, inventory.indexOf("  app-2:")));
            git.add().addFilepattern(".").call();
            git.commit().setMessage("Retire app-2").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call();
        }

        Run run = planRepo(checkout, "--ref", "main", "--base", "main~1");

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(Main.EXIT_CHANGES);
        assertThat(run.out()).contains("0 to create, 0 to replace, 0 to start, 1 to remove, 1 unchanged")
            .containsPattern("app-2 +web-1 +remove +1\\.0\\.0 +not in desired state \\(host app-2 left the inventory\\)")
            .containsPattern("(?m)^  app-2 +ok +1 container");

        Run withoutBase = planRepo(checkout, "--ref", "main");
        assertThat(withoutBase.exit()).as("the repo alone does not know app-2 ran anything").isEqualTo(Main.EXIT_OK);
        assertThat(hosts.exec("app-2", "docker", "ps", "-q", "--filter", "label=dev.driftless.service=web"))
            .as("planning changed nothing").isNotBlank();
    }

    @Test
    @Order(3)
    void aCountOfOneOfTwoHostsKeepsOneInstanceAndPlansTheRemovalOfTheOther() throws Exception {
        Path counted = withWebPlacement("counted", "{selector: {role: web}, count: 1}");
        String kept = firstHostOfWeb(counted);
        String dropped = kept.equals("app-1") ? "app-2" : "app-1";

        Run run = planRepo(counted);

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(Main.EXIT_CHANGES);
        assertThat(run.out()).contains("0 to create, 0 to replace, 0 to start, 1 to remove, 1 unchanged")
            .containsPattern(dropped + " +web-1 +remove +1\\.0\\.0 +not in desired state \\(web is no longer placed on "
                + dropped + "\\)")
            .doesNotContainPattern(kept + " +web-1 +remove")
            .contains("1 instance unchanged");
    }

    @Test
    @Order(4)
    void manualChangesOnHostsShowWithTheirReasonsAndUnmanagedContainersAreIgnored() throws IOException {
        String web1 = hosts.exec("app-1", "docker", "ps", "-q", "--filter", "label=dev.driftless.service=web").strip();
        hosts.exec("app-1", "docker", "stop", web1);
        hosts.exec("app-1", "docker", "run", "-d", "--name", "hand-made", "driftless/sample-svc:1.0.0");
        String web2 = hosts.exec("app-2", "docker", "ps", "-q", "--filter", "label=dev.driftless.service=web").strip();
        hosts.removeContainerByHand("app-2", web2);

        Run run = plan("--format", "markdown");

        assertThat(run.exit()).isEqualTo(Main.EXIT_CHANGES);
        assertThat(run.out()).contains("1 to create, 0 to replace, 1 to start")
            .containsPattern("\\| web \\| app-1 \\| web-1 \\| \\*\\*start\\*\\* \\| 1\\.0\\.0 \\| container exited .* ago \\(exit code 0\\) \\|")
            .containsPattern("\\| web \\| app-2 \\| web-1 \\| \\*\\*create\\*\\* \\|")
            .doesNotContain("hand-made");

        // What the daemon holds back after failures waits in the plan too, from its history: the
        // start of web on app-1 (its restarts failed their gate) and the pull for web on app-2.
        String fingerprint = hosts.exec("app-1", "docker", "inspect", "--format",
            "{{index .Config.Labels \"dev.driftless.fingerprint\"}}", web1).strip();
        java.time.Instant later = java.time.Instant.now().plus(Duration.ofHours(1));
        try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(dir.resolve("state")), "default")) {
            history.replaceBackoffs(Deferrals.RESTARTS, Map.of("web/app-1/web-1@" + fingerprint, new Backoff(2, later)));
            // A directory on disk has no commit: the plan keys its pulls by the empty one.
            history.replaceBackoffs(Deferrals.PULLS, Map.of(Deferrals.pullKey("app-2", "driftless/sample-svc:1.0.0", ""),
                new Backoff(1, later)));
        }
        Path config = dir.resolve("driftless.yaml");
        Files.writeString(config, "repo: {url: %s}\nssh: {key: %s}\nstate-dir: %s\n".formatted(repo,
            hosts.deployKeyFile(), dir.resolve("state")));

        Run held = plan("--config", config.toString());

        assertThat(held.exit()).as(held.err()).isEqualTo(Main.EXIT_OK);
        assertThat(held.out()).contains("0 to create, 0 to replace, 0 to start, 0 to remove, 2 unchanged")
            .containsPattern("app-1 +web-1 +unchanged +1\\.0\\.0 +container exited .* ago \\(exit code 0\\); crash-looping:"
                + " 2 restarts in a row failed the health gate; next restart after ")
            .containsPattern("app-2 +web-1 +unchanged +1\\.0\\.0 +no container for this instance; pull of"
                + " driftless/sample-svc:1\\.0\\.0 failed once; next attempt after ")
            .contains("No changes now: 2 instances differ from the desired state and wait for the reason shown.");
    }

    @Test
    @Order(5)
    void aHostPresentingAnUnpinnedKeyIsRefusedWithItsFingerprint() throws IOException {
        String app1 = hosts.host("app-1").hostKey();
        writeHosts(app1, app1); // app-2 "pinned" to app-1's key: app-2's real key is unknown
        try {
            Run run = plan("--format", "json");
            assertThat(run.exit()).isEqualTo(Main.EXIT_ERROR);
            assertThat(run.out()).contains("\"reachable\" : false").contains("SHA256:");
            assertThat(run.err()).contains("could not be observed");
        } finally {
            writeHosts(app1, hosts.host("app-2").hostKey());
        }
    }

    @Test
    @Order(6)
    void anUnreachableHostIsShownAsUnreachableNotAsMissingEverything() {
        hosts.pause("app-2");
        try {
            Run run = plan();
            assertThat(run.exit()).isEqualTo(Main.EXIT_ERROR);
            assertThat(run.out()).containsPattern("app-2 +web-1 +unknown +1\\.0\\.0 +host unreachable")
                .containsPattern("app-2 +unreachable")
                .doesNotContainPattern("app-2 +web-1 +create");
        } finally {
            hosts.unpause("app-2");
        }
    }

    @Test
    @Order(7)
    void aHostSilentForItsFailoverShowsTheStandInTheDaemonWouldCreateWithItsReason() throws Exception {
        Path failover = withWebPlacement("failover", "{selector: {role: web}, count: 1, failover: 5m}");
        String chosen = firstHostOfWeb(failover);
        String next = chosen.equals("app-1") ? "app-2" : "app-1";
        Path config = dir.resolve("failover.yaml");
        Files.writeString(config, "repo: {url: %s}\nssh: {key: %s}\nstate-dir: %s\n".formatted(failover,
            hosts.deployKeyFile(), dir.resolve("state")));
        hosts.exec(next, "sh", "-c", "docker ps -aq --filter label=dev.driftless.service=web | xargs -r docker rm -f");
        java.time.Instant since = java.time.Instant.now().minus(Duration.ofHours(1))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(dir.resolve("state")), "default")) {
            history.replaceBackoffs(Deferrals.RESTARTS, Map.of());
            history.replaceBackoffs(Deferrals.PULLS, Map.of());
            history.replaceSilentHosts(Map.of(chosen, since));
        }
        hosts.pause(chosen);
        try {
            Run daemonView = planRepo(failover, "--config", config.toString());
            Run repoOnly = planRepo(failover);

            assertThat(daemonView.exit()).as(daemonView.err()).isEqualTo(Main.EXIT_ERROR);
            assertThat(daemonView.out()).containsPattern(next + " +web-1 +create +→ 1\\.0\\.0 +placed on " + next
                    + " while " + chosen + " does not answer \\(since " + since + "; placement.failover 5m\\)")
                .containsPattern(chosen + " +unreachable");
            assertThat(repoOnly.out()).as("without the history the silence counts from now: no stand-in yet")
                .doesNotContainPattern(next + " +web-1 +create")
                .containsPattern(chosen + " +web-1 +unknown +1\\.0\\.0 +host unreachable");
        } finally {
            hosts.unpause(chosen);
        }

        Run answered = planRepo(failover, "--config", config.toString());

        assertThat(answered.out()).as("the host answers the plan: its own instance, no stand-in")
            .doesNotContainPattern(next + " +web-1 +create")
            .doesNotContain("placed on");
    }
}
