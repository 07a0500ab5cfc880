package dev.driftless.reconciler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

    private static final Path EXAMPLE = Path.of("../examples/infra-repo");

    private static final String HOSTS = """
        defaults: {user: deploy}
        hosts:
          app-1: {address: 10.0.0.11, labels: {role: app}}
          app-2: {address: 10.0.0.12, labels: {role: app}}
        """;

    @TempDir
    Path dir;

    /** One run of the command line, as the launcher runs it. */
    record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private void write(String path, String text) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void aValidRepoPrintsOneSummaryLineAndExitsZero() {
        Run run = run("validate", EXAMPLE.toString());

        assertThat(run.exit()).isEqualTo(0);
        assertThat(run.out()).isEqualTo("ok: 3 hosts, 3 services, 5 instances (environment default)\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void everyProblemIsPrintedAsFileLineColumnAndExitIsOne() throws IOException {
        write("hosts.yaml", HOSTS);
        write("services/api.yaml", "imgae: app:1\nplacement: {hosts: [app-3]}\n");
        write("services/web.yaml", "image: web:1\nplacement: {selector: {role: app}}\nhealth: {http: {port: 80}, interval: 2x}\n");

        Run run = run("validate", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("""
            services/api.yaml:1:1: unknown field "imgae" (did you mean "image"?)
            services/api.yaml:2:21: placement.hosts: hosts.yaml has no host "app-3" (did you mean "app-1"?)
            services/web.yaml:3:38: health.interval: bad duration "2x": write a number and a unit (h, m, s, ms), e.g. 500ms, 2s, 1m30s
            """);
        assertThat(run.err()).isEqualTo("driftless validate: 3 problems in " + dir + "\n");
    }

    @Test
    void jsonFormatCarriesProblemsAndCounts() throws IOException {
        JsonNode ok = new ObjectMapper().readTree(run("validate", EXAMPLE.toString(), "--format", "json").out());
        assertThat(ok.get("ok").asBoolean()).isTrue();
        assertThat(ok.get("problems")).isEmpty();
        assertThat(ok.at("/environments/0/name").asText()).isEqualTo("default");
        assertThat(ok.at("/environments/0/hosts").asInt()).isEqualTo(3);
        assertThat(ok.at("/environments/0/services").asInt()).isEqualTo(3);
        assertThat(ok.at("/environments/0/instances").asInt()).isEqualTo(5);

        write("hosts.yaml", HOSTS);
        write("services/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\nrestart: never\n");
        Run run = run("validate", dir.toString(), "--format", "json");
        JsonNode bad = new ObjectMapper().readTree(run.out());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(bad.get("ok").asBoolean()).isFalse();
        assertThat(bad.at("/problems/0/file").asText()).isEqualTo("services/api.yaml");
        assertThat(bad.at("/problems/0/line").asInt()).isEqualTo(3);
        assertThat(bad.at("/problems/0/column").asInt()).isEqualTo(10);
        assertThat(bad.at("/problems/0/message").asText()).startsWith("restart must be one of");
        assertThat(bad.at("/environments/0/ok").asBoolean()).isFalse();
    }

    @Test
    void withoutAnEnvironmentEveryEnvironmentIsValidatedAndSharedProblemsAreReportedOnce() throws IOException {
        write("environments/prod/hosts.yaml", HOSTS);
        write("environments/staging/hosts.yaml", HOSTS);
        write("services/api.yaml", "image: app:1\nplacement: {selector: {role: app}}\nrestart: never\n");
        write("environments/prod/services/api.yaml", "placement: {replicas: 0}\n");

        Run run = run("validate", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("""
            environments/prod/services/api.yaml:1:23: placement.replicas must be from 1 to 1000, got 0
            services/api.yaml:3:10: restart must be one of no, always, on-failure, unless-stopped, got "never"
            """);
    }

    @Test
    void aProblemInSomeEnvironmentsOnlySaysWhich() throws IOException {
        write("environments/prod/hosts.yaml", HOSTS);
        write("environments/staging/hosts.yaml", "defaults: {user: deploy}\nhosts:\n  stage-1: {address: 10.1.0.1}\n");
        write("services/api.yaml", "image: app:1\nplacement: {selector: {role: app}}\n");

        Run run = run("validate", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo(
            "services/api.yaml:2:23: placement.selector {role: app} matches no host in environments/staging/hosts.yaml"
                + " (environment staging)\n");
    }

    @Test
    void oneEnvironmentCanBeChosenAndAllValidEnvironmentsAreSummarised() throws IOException {
        write("environments/prod/hosts.yaml", HOSTS);
        write("environments/staging/hosts.yaml", "defaults: {user: deploy}\nhosts:\n  stage-1: {address: 10.1.0.1, labels: {role: app}}\n");
        write("services/api.yaml", "image: app:1\nplacement: {selector: {role: app}, replicas: 2}\n");

        assertThat(run("validate", dir.toString(), "--environment", "staging").out())
            .isEqualTo("ok: 1 host, 1 service, 2 instances (environment staging)\n");
        assertThat(run("validate", dir.toString()).out())
            .isEqualTo("ok: 2 environments; prod: 2 hosts, 1 service, 4 instances; staging: 1 host, 1 service, 2 instances\n");
        Run unknown = run("validate", dir.toString(), "-e", "prd");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.out()).isEqualTo("environments:0:0: no environment \"prd\": environments/ has prod, staging (did you mean \"prod\"?)\n");
    }

    @Test
    void aMissingDirectoryIsOneClearLineWithoutAStackTrace() {
        Run run = run("validate", dir.resolve("nope").toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("driftless validate: " + dir.resolve("nope") + " is not a directory\n");
    }

    @Test
    void theDirectoryDefaultsToTheCurrentOne() {
        // The reconciler module directory is not an infra repo: the check runs there and says so.
        Run run = run("validate");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo(
            "hosts.yaml:0:0: missing: the repo needs hosts.yaml listing its hosts (is this the root of the infra repo?)\n");
    }

    @Test
    void anUnknownFormatIsAUsageError() {
        Run run = run("validate", EXAMPLE.toString(), "--format", "xml");

        // 1 like every error: 2 is reserved for "plan has changes".
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("Invalid value for option '--format'");
    }
}
