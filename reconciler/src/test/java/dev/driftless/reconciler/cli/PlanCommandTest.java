package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.reconciler.history.HistorySettings;
import dev.driftless.reconciler.history.DepartedHost;
import dev.driftless.reconciler.history.HistoryStore;
import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.ReconcileStart;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.history.Trigger;
import dev.driftless.reconciler.source.verify.SigningGit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code driftless plan} through the real command line: argument errors, repo errors and exit
 * codes. Planning against live hosts is integration work (PlanCommandIT); the one host here is a
 * loopback port that refuses connections.
 */
class PlanCommandTest {

    private static final Path EXAMPLE = Path.of("../examples/infra-repo");
    private static final Path DEMO_KEY = Path.of("../examples/keys/demo-age.txt");

    @TempDir
    Path tmp;

    private Path loopbackRepo(int port) {
        Path dir = tmp.resolve("infra");
        Cli.write(dir.resolve("hosts.yaml"), """
            hosts:
              app-1: {address: 127.0.0.1, port: %d, user: deploy}
            """.formatted(port));
        Cli.write(dir.resolve("services/web.yaml"), """
            image: nginx:1.27
            placement: {hosts: [app-1]}
            """);
        return dir;
    }

    @Test
    void withoutARepoOrAConfigurationItSaysWhatToPass() {
        assumeFalse(Cli.configFoundWithoutOption(), "a driftless.yaml is found on this machine");

        Cli.Run run = Cli.run("plan");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless plan: no repo: pass --repo URL|DIR or --config FILE\n");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNotAPlanWithChanges() {
        Cli.Run run = Cli.run("plan", "--bogus");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Unknown option: '--bogus'\nUsage: driftless plan ");
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        Cli.Run run = Cli.run("plan", "--repo", EXAMPLE.toString(), "--format", "yaml");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("Invalid value for option '--format': expected one of [text, markdown, json] "
            + "(case-sensitive) but was 'yaml'");
    }

    @Test
    void helpDocumentsTheExitCodes() {
        Cli.Run run = Cli.run("plan", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("--repo=URL|DIR", "--ref=REV", "--format=<format>",
            "Exit status: 0 no changes, 2 changes, 1 error (invalid repo, unreachable host).");
    }

    @Test
    void anInvalidRepoPrintsEveryProblemAndExitsOne() {
        Path dir = loopbackRepo(22);
        Cli.write(dir.resolve("services/web.yaml"), "imgae: nginx:1.27\nplacement: {hosts: [app-9]}\n");

        Cli.Run run = Cli.run("plan", "--repo", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("""
            services/web.yaml:1:1: unknown field "imgae" (did you mean "image"?)
            services/web.yaml:2:21: placement.hosts: hosts.yaml has no host "app-9" (did you mean "app-1"?)
            """);
        assertThat(run.err()).isEqualTo("driftless plan: 2 problem(s) in " + dir + "; nothing can be planned\n");
    }

    @Test
    void secretsThatCannotBeDecryptedAreProblemsOfTheRepo() {
        assumeFalse(System.getenv("SOPS_AGE_KEY_FILE") != null || System.getenv("SOPS_AGE_KEY") != null,
            "an age key is set in the environment");

        Cli.Run run = Cli.run("plan", "--repo", EXAMPLE.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).startsWith("secrets/shop.yaml:0:0: no key in the key ring can decrypt the data key; ");
        assertThat(run.err()).isEqualTo("driftless plan: 1 problem(s) in " + EXAMPLE + "; nothing can be planned\n");
    }

    @Test
    void withoutAnSshKeyItSaysWhereToGiveOne() {
        Cli.Run run = Cli.run("plan", "--repo", EXAMPLE.toString(), "--age-key", DEMO_KEY.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless plan: no SSH key for the hosts: pass --ssh-key FILE or --config FILE\n");
    }

    @Test
    void anSshKeyThatDoesNotExistIsAnErrorNamingIt() {
        Path missing = tmp.resolve("no-such-key");

        Cli.Run run = Cli.run("plan", "--repo", loopbackRepo(22).toString(), "--ssh-key", missing.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: SSH private key " + missing + " does not exist or is not a file\n");
    }

    @Test
    void aRefNeedsAGitRepository() {
        Path dir = loopbackRepo(22);

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ref", "main");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: " + dir + " is not a git repository, so --ref cannot be used\n");
    }

    @Test
    void anUnknownRefIsAnErrorNamingIt() throws Exception {
        Path dir = loopbackRepo(22);
        try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("inventory").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call();
        }

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ref", "release-9");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: revision release-9 not found in " + dir
            + ": no branch, tag or commit by that name\n");
    }

    @Test
    void aMissingConfigurationFileIsAnErrorNamingIt() {
        Path missing = tmp.resolve("driftless.yaml");

        Cli.Run run = Cli.run("plan", "--config", missing.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: " + missing + ":0:0: configuration file not found\n");
    }

    @Test
    void aBrokenConfigurationFileIsReportedAtItsLine() {
        Path config = tmp.resolve("driftless.yaml");
        Cli.write(config, "repo: {url: /srv/infra}\nssh: {key: id, paralelism: 3}\n");

        Cli.Run run = Cli.run("plan", "--config", config.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: " + config
            + ":2:16: unknown field \"paralelism\" in ssh (did you mean \"parallelism\"?)\n");
    }

    @Test
    void aHostThatCannotBeObservedMakesThePlanIncompleteAndExitOne() {
        int port = Cli.closedPort();
        Path dir = loopbackRepo(port);
        Path key = Cli.sshKey(tmp);

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ssh-key", key.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("""
            Plan for environment default
              0 to create, 0 to replace, 0 to start, 0 to remove, 0 unchanged; 1 host unreachable

            web
              app-1  web-1  unknown  1.27  host unreachable

            Hosts
              app-1  unreachable  host app-1 (deploy@127.0.0.1:%d) is unreachable: connection refused (is sshd listening on port %d?)
            """.formatted(port, port));
        assertThat(run.err()).isEqualTo("driftless plan: the plan is incomplete: 1 host(s) could not be observed\n");
    }

    @Test
    void aGitCheckoutAtARefIsPlannedAsThatCommitForAPullRequestComment() throws Exception {
        int port = Cli.closedPort();
        Path dir = loopbackRepo(port);
        String sha;
        try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            sha = git.commit().setMessage("Add the web service").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call().name();
        }
        Cli.write(dir.resolve("services/web.yaml"), "image: nginx:1.28\nplacement: {hosts: [app-1]}\n");

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ref", "main", "--ssh-key",
            Cli.sshKey(tmp).toString(), "--format", "markdown");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).as("the commit, not the edited work tree").isEqualTo("""
            ### driftless plan: environment default, commit %s "Add the web service"

            **0 to create, 0 to replace, 0 to start, 0 to remove, 0 unchanged; 1 host unreachable**

            | service | host | instance | action | version | reason |
            |---|---|---|---|---|---|
            | web | app-1 | web-1 | **unknown** | 1.27 | host unreachable |

            :warning: Not observed, so not planned:

            - **app-1**: host app-1 (deploy@127.0.0.1:%d) is unreachable: connection refused (is sshd listening on port %d?)
            """.formatted(sha.substring(0, 12), port, port));
    }

    @Test
    void withRepoVerifyThePlanSaysWhetherTheDaemonWouldTrustTheCommit() throws Exception {
        Path dir = loopbackRepo(Cli.closedPort());
        try (SigningGit signing = SigningGit.of(dir, Files.createDirectories(tmp.resolve("signing")))) {
            signing.git("init", "-q", "-b", "main", dir.toString());
            String unsigned = signing.commitUnsigned("Add the web service");
            Path key = signing.sshKey("grace", "ed25519");
            signing.allowedSigners("allowed_signers", "grace@example.org " + signing.publicKey(key));
            Cli.sshKey(tmp);
            Path config = tmp.resolve("driftless.yaml");
            Cli.write(config, """
                repo: {url: infra, verify: {ssh-allowed-signers: signing/allowed_signers}}
                ssh: {key: id_ed25519}
                state-dir: state
                """);

            Cli.Run run = Cli.run("plan", "--config", config.toString(), "--ref", "main");

            assertThat(run.err()).startsWith("driftless plan: the daemon would refuse this commit as it stands"
                + " (repo.verify): commit " + unsigned.substring(0, 7) + " is not signed; repo.verify accepts only"
                + " commits signed by a trusted key (SSH keys of " + tmp.resolve("signing/allowed_signers") + ")\n");
            assertThat(run.out()).as("the plan itself is still printed").contains("web-1");

            String signed = signing.commitSsh(key, "Signed");
            run = Cli.run("plan", "--config", config.toString(), "--ref", "main");
            assertThat(run.err()).startsWith("driftless plan: commit " + signed.substring(0, 7)
                + " is signed by grace@example.org (ED25519 key " + signing.fingerprint(key) + ", allowed_signers:1)\n");

            Files.delete(tmp.resolve("signing/allowed_signers"));
            run = Cli.run("plan", "--config", config.toString(), "--ref", "main");
            assertThat(run.err()).as("a note, the plan still runs").startsWith("driftless plan: cannot check the"
                + " commit's signature: repo.verify: " + tmp.resolve("signing/allowed_signers")
                + ": cannot read the allowed signers file (NoSuchFileException)\n");
            assertThat(run.out()).contains("web-1");
        }
    }

    @Test
    void knownHostsOnTheCommandLineKeepsTheConfiguredKeyAndItsPassphrase() throws Exception {
        Path dir = loopbackRepo(Cli.closedPort());
        Path key = tmp.resolve("id_protected");
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "correct horse", "-f",
            key.toString()).redirectErrorStream(true).start();
        assertThat(keygen.waitFor()).isZero();
        Cli.write(tmp.resolve("pass"), "correct horse\n");
        Cli.write(tmp.resolve("known_hosts"), "");
        Path config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo: {url: infra}
            ssh: {key: id_protected, key-passphrase-file: pass}
            state-dir: state
            """);

        Cli.Run run = Cli.run("plan", "--config", config.toString(), "--known-hosts", tmp.resolve("known_hosts").toString());

        assertThat(run.err()).as("the key was unlocked; only the host was missing").isEqualTo("""
            driftless plan: the state directory %s holds no deployment history, so hosts that left the inventory \
            are not planned; pass --base REV to name the commit the hosts run
            driftless plan: the plan is incomplete: 1 host(s) could not be observed
            """.formatted(tmp.resolve("state")));
    }

    /** A checkout whose first commit has app-1 and app-2, the second only app-1; returns both shas. */
    private String[] checkoutThatRetiresAHost(Path dir, int app2Port) throws Exception {
        Cli.write(dir.resolve("hosts.yaml"), """
            hosts:
              app-1: {address: 127.0.0.1, port: %d, user: deploy}
              app-2: {address: 127.0.0.1, port: %d, user: deploy}
            """.formatted(Cli.closedPort(), app2Port));
        Cli.write(dir.resolve("services/web.yaml"), """
            image: nginx:1.27
            placement: {hosts: [app-1, app-2]}
            """);
        try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            String first = git.commit().setMessage("Two hosts").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call().name();
            String hosts = Cli.read(dir.resolve("hosts.yaml"));
            Cli.write(dir.resolve("hosts.yaml"), hosts.substring(0, hosts.indexOf("  app-2")));
            Cli.write(dir.resolve("services/web.yaml"), "image: nginx:1.27\nplacement: {hosts: [app-1]}\n");
            git.add().addFilepattern(".").call();
            String second = git.commit().setMessage("Retire app-2").setSign(false).setAuthor("t", "t@example.org")
                .setCommitter("t", "t@example.org").call().name();
            return new String[] {first, second};
        }
    }

    @Test
    void aHostThatLeftTheInventorySinceTheBaseIsObservedAndDroppedWhenItDoesNotAnswer() throws Exception {
        Path dir = tmp.resolve("infra");
        int app2 = Cli.closedPort();
        checkoutThatRetiresAHost(dir, app2);

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ref", "main", "--base", "main~1",
            "--ssh-key", Cli.sshKey(tmp).toString());

        assertThat(run.err()).as("app-2 was looked for, and taken to be decommissioned").contains(
            "driftless plan: host app-2 left the inventory and does not answer (host app-2 (deploy@127.0.0.1:"
                + app2 + ") is unreachable: connection refused (is sshd listening on port " + app2
                + "?)): its containers, if it still runs any, are not removed now; the daemon tries again at each"
                + " drift check for 30 days\n")
            .doesNotContain("pass --base");
        assertThat(run.out()).doesNotContainPattern("(?m)^ +app-2 ");
    }

    /** A daemon's configuration in tmp: the repo in infra, the key, the history in state. */
    private Path daemonConfig() {
        Cli.sshKey(tmp);
        Path config = tmp.resolve("driftless.yaml");
        Cli.write(config, """
            repo: {url: infra}
            ssh: {key: id_ed25519}
            state-dir: state
            """);
        return config;
    }

    @Test
    void aHostTheDaemonRemembersAsDepartedIsLookedForThroughTheCommitThatHadIt() throws Exception {
        Path dir = tmp.resolve("infra");
        int app2 = Cli.closedPort();
        String[] shas = checkoutThatRetiresAHost(dir, app2);
        Path config = daemonConfig();
        try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(tmp.resolve("state")), "default")) {
            // The retirement is applied already; app-2 did not answer then, so the daemon remembers it.
            long applied = history.begin(new ReconcileStart(shas[1], "t", "Retire app-2", Trigger.POLL, "d2")).id();
            history.complete(applied, ReconcileResult.SUCCEEDED, "in sync", Optional.empty());
            history.replaceDepartedHosts(Map.of("app-2", new DepartedHost(shas[0], java.time.Instant.now(),
                Optional.of("connection refused"))));
        }

        Cli.Run run = Cli.run("plan", "--config", config.toString(), "--repo", dir.toString(), "--ref", "main");

        assertThat(run.err()).as("the base no longer has app-2: the history's memory made the plan look")
            .contains("driftless plan: host app-2 left the inventory and does not answer (host app-2 (deploy@127.0.0.1:"
                + app2 + ")");
    }

    @Test
    void theBaseDefaultsToTheLastAppliedCommitAndACommitThatFailedItsRolloutShowsHeld() throws Exception {
        Path dir = tmp.resolve("infra");
        String[] shas = checkoutThatRetiresAHost(dir, Cli.closedPort());
        Path config = daemonConfig();
        try (HistoryStore history = HistoryStore.open(HistorySettings.embedded(tmp.resolve("state")), "default")) {
            long applied = history.begin(new ReconcileStart(shas[0], "t", "Two hosts", Trigger.POLL, "d1")).id();
            history.recordServiceResult(applied, "web", ServiceOutcome.SUCCEEDED, "deployed");
            history.complete(applied, ReconcileResult.SUCCEEDED, "deployed", Optional.empty());
            long failed = history.begin(new ReconcileStart(shas[1], "t", "Retire app-2", Trigger.POLL, "d2")).id();
            history.recordServiceResult(failed, "web", ServiceOutcome.ROLLED_BACK, "unhealthy");
            history.complete(failed, ReconcileResult.ROLLED_BACK, "rolled back", Optional.of("web: unhealthy"));
        }

        Cli.Run run = Cli.run("plan", "--config", config.toString(), "--repo", dir.toString(), "--ref", "main",
            "--format", "json");

        assertThat(run.err()).contains("host app-2 left the inventory and does not answer").doesNotContain("--base");
        JsonNode plan = new ObjectMapper().readTree(run.out());
        assertThat(plan.path("held").path("web").asText())
            .isEqualTo("commit " + shas[1].substring(0, 7) + " failed its rollout; waiting for a new commit");

        Cli.Run older = Cli.run("plan", "--config", config.toString(), "--repo", dir.toString(), "--ref", "main~1",
            "--format", "json");
        assertThat(new ObjectMapper().readTree(older.out()).path("held").size())
            .as("only the commit that failed is held").isZero();
    }

    @Test
    void aBaseThatIsNotInTheRepoIsAnErrorNamingIt() throws Exception {
        Path dir = tmp.resolve("infra");
        checkoutThatRetiresAHost(dir, Cli.closedPort());

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ref", "main", "--base", "release-9",
            "--ssh-key", Cli.sshKey(tmp).toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: revision release-9 not found in " + dir
            + ": no branch, tag or commit by that name\n");
    }

    @Test
    void aBaseNeedsAGitRepository() {
        Path dir = loopbackRepo(Cli.closedPort());

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--base", "main", "--ssh-key",
            Cli.sshKey(tmp).toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("driftless plan: " + dir + " is not a git repository, so --base cannot be used\n");
    }

    @Test
    void anIncompletePlanIsStillValidJson() throws Exception {
        Path dir = loopbackRepo(Cli.closedPort());
        Path key = Cli.sshKey(tmp);

        Cli.Run run = Cli.run("plan", "--repo", dir.toString(), "--ssh-key", key.toString(), "--format", "json");

        assertThat(run.exit()).isEqualTo(1);
        JsonNode plan = new ObjectMapper().readTree(run.out());
        assertThat(plan.toString()).contains("\"app-1\"");
        assertThat(plan.findValues("reachable")).extracting(JsonNode::asBoolean).containsExactly(false);
    }
}
