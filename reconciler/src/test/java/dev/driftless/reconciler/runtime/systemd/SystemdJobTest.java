package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.Host;
import dev.driftless.model.Instance;
import dev.driftless.model.PreDeploy;
import dev.driftless.model.Resources;
import dev.driftless.model.Rollout;
import dev.driftless.model.RolloutOrder;
import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.reconciler.runtime.InstanceRuntime;
import dev.driftless.reconciler.runtime.InstanceRuntime.JobResult;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import dev.driftless.secrets.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A systemd service's pre-deploy job: what the runtime sends for it and how it reads the outcome. */
class SystemdJobTest {

    static final Host HOST = SystemdFixture.host("app-1", 22);
    static final PreDeploy JOB = new PreDeploy(List.of("/opt/app/migrate", "--to", "it's $(latest)"),
        Duration.ofSeconds(90));
    static final String SECRET = "s3cret-value";

    static Instance instance(Optional<String> user) {
        Service s = SystemdFixture.service("api", "app-1", b -> {
            b.command(List.of("/opt/app/server")).env("MODE", "a $HOME 100%")
                .secret("DB_PASSWORD", SecretRef.parse("secrets/api.yaml#db.password"))
                .resources(new Resources(Optional.of(64L << 20), Optional.of(0.5), Optional.empty()))
                .rollout(new Rollout(1, RolloutOrder.STOP_FIRST, true, Optional.of(JOB)));
            user.ifPresent(b::user);
            return b;
        });
        return SystemdFixture.instance(HOST, s);
    }

    static InstanceRuntime.Launch launch() {
        return new InstanceRuntime.Launch("prod", "c0ffee", Map.of("DB_PASSWORD",
            SecretValue.ofText(SECRET, List.of("db", "password"))), Instant.parse("2026-12-06T10:00:00Z"),
            Duration.ofSeconds(30));
    }

    static CommandResult ended(String stdout, String properties) {
        return new CommandResult(0, stdout, properties, Duration.ofSeconds(2));
    }

    @Test
    void theJobGetsTheServicesEnvironmentLimitsAndTimeoutAsPropertiesAndItsSecretsInA0600File() throws Exception {
        Instance i = instance(Optional.empty());
        String unit = SystemdUnits.jobName(i);
        RecordingHostSession host = RecordingHostSession.fake("app-1").reply("sh -c 'export LC_ALL=C TZ=UTC; export"
            + " XDG_RUNTIME_DIR", 0, "migrated\n", "LoadState=loaded\nResult=success\nExecMainCode=1\nExecMainStatus=0\n");

        JobResult r = SystemdRuntime.USER.runJob(host, i, launch(), JOB);

        assertThat(r).isEqualTo(new JobResult(true, 0, false, "", "migrated\n"));
        assertThat(unit).isEqualTo("driftless-api-pre-deploy-" + i.shortFingerprint().substring(0, 8));
        assertThat(host.writes()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo(".driftless/units/" + unit + ".env");
            assertThat(w.mode()).isEqualTo(0600);
            assertThat(new String(w.content(), StandardCharsets.UTF_8)).contains("DB_PASSWORD=\"" + SECRET + "\"");
        });
        List<String> sent = host.renderedCommands();
        assertThat(sent.getFirst()).contains("' driftless-job " + unit + ".service .driftless/units/" + unit + ".out"
            + " .driftless/units/" + unit + ".env '' '--description=driftless prod pre-deploy job of api' -p"
            + " RuntimeMaxSec=90 -p TimeoutStopSec=10 -p MemoryMax=67108864 -p CPUQuota=50% -p"
            + " 'Environment=\"MODE=a $HOME 100%\"' -- /opt/app/migrate --to 'it'\\''s $$(latest)'");
        assertThat(sent).allSatisfy(c -> assertThat(c).doesNotContain(SECRET));
        assertThat(sent.getLast()).isEqualTo(SystemdCommands.forgetJob(SystemdUnits.Scope.USER, unit).render());
    }

    @Test
    void aJobOfAServiceWithFilesGetsThemInItsOwnDirectoryAsItsWorkingDirectoryAndTheyGoWithIt() throws Exception {
        Service s = SystemdFixture.service("api", "app-1", b -> b.command(List.of("/opt/app/api"))
            .file(new dev.driftless.model.ServiceFile("conf/app.yaml", new dev.driftless.model.ServiceFile.Plain("",
                "port: 1\n".getBytes(StandardCharsets.UTF_8)), 0444, 0, 0, dev.driftless.model.SourceLocation.of("x")))
            .rollout(new Rollout(1, RolloutOrder.STOP_FIRST, true, Optional.of(JOB))));
        Instance i = SystemdFixture.instance(HOST, s);
        String unit = SystemdUnits.jobName(i);
        RecordingHostSession host = RecordingHostSession.fake("app-1");

        SystemdRuntime.USER.runJob(host, i, launch(), JOB);

        List<RecordingHostSession.Ran> ran = host.calls().stream().filter(RecordingHostSession.Ran.class::isInstance)
            .map(RecordingHostSession.Ran.class::cast).toList();
        assertThat(ran.getFirst().rendered()).isEqualTo(SystemdCommands.writeFiles(SystemdUnits.Scope.USER, unit,
            Optional.empty()).render());
        assertThat(ran.getFirst().stdin()).isNotEmpty();
        assertThat(ran.get(1).rendered()).contains(" .driftless/files/" + unit + " '--description=");
        assertThat(ran.getLast().rendered()).isEqualTo(SystemdCommands.forgetJob(SystemdUnits.Scope.USER, unit).render())
            .contains(".driftless/files/" + unit);
    }

    @Test
    void aJobStoppedAtItsTimeoutGetsTheServicesStopSignalAndGracePeriod() throws Exception {
        Service s = SystemdFixture.service("worker", "app-1", b -> b.command(List.of("/opt/app/worker"))
            .stop(new dev.driftless.model.Stop(Optional.of("SIGINT"), Optional.of(Duration.ofSeconds(45))))
            .rollout(new Rollout(1, RolloutOrder.STOP_FIRST, true, Optional.of(JOB))));
        RecordingHostSession host = RecordingHostSession.fake("app-1");

        SystemdRuntime.USER.runJob(host, SystemdFixture.instance(HOST, s), launch(), JOB);

        assertThat(host.renderedCommands().getFirst()).contains(" -p RuntimeMaxSec=90 -p TimeoutStopSec=45"
            + " -p KillSignal=SIGINT -- /opt/app/migrate ");
    }

    @Test
    void aSystemServicesJobRunsAsItsUserAndGroup() throws Exception {
        Instance i = instance(Optional.of("app:www"));
        RecordingHostSession host = RecordingHostSession.fake("app-1");

        SystemdRuntime.SYSTEM.runJob(host, i, launch(), JOB);

        assertThat(host.renderedCommands()).anySatisfy(c -> assertThat(c).contains("sudo -n systemd-run")
            .contains(" -p User=app -p Group=www "));
        assertThat(host.renderedCommands()).anySatisfy(c -> assertThat(c).startsWith("sudo -n sh -c")
            .contains("/etc/driftless/units/" + SystemdUnits.jobName(i) + ".env"));
    }

    @Test
    void howTheUnitEndedIsTheJobsVerdict() {
        Instance i = instance(Optional.of("app"));
        Service s = i.service();
        SystemdRuntime rt = SystemdRuntime.SYSTEM;
        assertThat(rt.jobResult("app-1", s, JOB, ended("a\nb\n", "LoadState=loaded\nResult=exit-code\nExecMainCode=1\n"
            + "ExecMainStatus=3\n"))).isEqualTo(new JobResult(true, 3, false, "", "a\nb\n"));
        assertThat(rt.jobResult("app-1", s, JOB, ended("done\n", "Adopted=yes\nLoadState=loaded\nResult=success\n"
            + "ExecMainCode=1\nExecMainStatus=0\n"))).as("a run an interrupted reconcile started, waited for")
            .isEqualTo(new JobResult(true, 0, false, "", "done\n", true));
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "Result=timeout\nLoadState=loaded\nExecMainCode=2\n"
            + "ExecMainStatus=15\n"))).extracting(JobResult::ran, JobResult::timedOut).containsExactly(true, true);
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "LoadState=loaded\nResult=signal\nExecMainCode=2\n"
            + "ExecMainStatus=9\n")).exitCode()).isEqualTo(137);
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "LoadState=loaded\nResult=exit-code\nExecMainCode=1\n"
            + "ExecMainStatus=217\n")).exit()).isEqualTo("217/USER: user app does not exist on the host");
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "LoadState=loaded\nResult=exit-code\nExecMainCode=1\n"
            + "ExecMainStatus=203\n")).exit()).isEqualTo("203/EXEC: /opt/app/migrate is missing or not executable");
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "LoadState=loaded\nResult=resources\nExecMainStatus=0\n"))
            .exit()).isEqualTo("0, systemd result resources");
        assertThat(rt.jobResult("app-1", s, JOB, ended("", "LoadState=not-found\nResult=success\n")))
            .isEqualTo(JobResult.notRun("the job's unit was gone before driftless could read how it ended"));
    }

    @Test
    void aUnitThatCouldNotStartIsNoRunAndSaysWhy() {
        Service s = instance(Optional.of("app")).service();
        assertThat(SystemdRuntime.SYSTEM.jobResult("app-1", s, JOB, new CommandResult(125, "", "Failed to find"
            + " executable /opt/app/migrate: No such file or directory\n", Duration.ZERO))).isEqualTo(JobResult.notRun(
            "systemd-run failed: Failed to find executable /opt/app/migrate: No such file or directory"));
        assertThat(SystemdRuntime.SYSTEM.jobResult("app-1", s, JOB, new CommandResult(125, "", "sudo: a password is"
            + " required\n", Duration.ZERO)).output()).startsWith("systemd-run failed: a service with user runs as a"
            + " system unit, which the SSH user installs with sudo -n, and sudo refused on host app-1");
    }
}
