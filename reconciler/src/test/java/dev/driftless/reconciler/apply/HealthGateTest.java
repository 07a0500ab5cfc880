package dev.driftless.reconciler.apply;

import static dev.driftless.reconciler.apply.Replies.failed;
import static dev.driftless.reconciler.apply.Replies.inOrder;
import static dev.driftless.reconciler.apply.Replies.ok;
import static dev.driftless.reconciler.apply.Replies.startsWith;
import static dev.driftless.reconciler.apply.Replies.state;
import static dev.driftless.reconciler.apply.Replies.stateOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.CommandProbe;
import dev.driftless.model.DockerProbe;
import dev.driftless.model.HealthCheck;
import dev.driftless.model.HttpProbe;
import dev.driftless.model.Probe;
import dev.driftless.model.TcpProbe;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The health gate on a fake host and a clock that moves only when the gate waits. */
class HealthGateTest {

    private static final String C = "api-1-3f9a2c1b";
    private static final String STATE = "docker inspect --type container --format '{{.State.Status}} {{.State.ExitCode}} "
        + "{{.RestartCount}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}"
        + "{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}' " + C;
    private static final String CURL = "curl --silent --show-error --fail --noproxy '*' --output /dev/null --max-time 2 "
        + "http://172.17.0.5:8080/healthz";
    private static final String RUNNING = "running 0 0 - 172.17.0.5";

    private final FakeTime time = FakeTime.at("2026-11-21T12:00:00Z");
    private final HealthGate gate = new HealthGate(time, time, Duration.ofSeconds(20));
    private final RecordingHostSession host = RecordingHostSession.fake("app-1");

    private static Optional<HealthCheck> check(Probe probe, int interval, int timeout, int successThreshold) {
        return Optional.of(new HealthCheck(probe, Duration.ofSeconds(interval), Duration.ofSeconds(timeout),
            Duration.ofSeconds(2), successThreshold, 3));
    }

    private static Optional<HealthCheck> http() {
        return check(new HttpProbe(8080, "/healthz"), 2, 30, 1);
    }

    private HealthGate.Verdict await(Optional<HealthCheck> check) throws Exception {
        return gate.await(host, C, check);
    }

    // ---- probes ----

    @Test
    void httpProbeAsksTheContainersAddressFromTheHost() throws Exception {
        host.reply(stateOf(C), state(RUNNING));

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Healthy(Duration.ZERO));
        assertThat(host.renderedCommands()).containsExactly(STATE, CURL);
        assertThat(host.calls()).extracting(c -> ((RecordingHostSession.Ran) c).timeout())
            .as("state within the command timeout; the probe gets its own timeout on top")
            .containsExactly(Duration.ofSeconds(20), Duration.ofSeconds(22));
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aContainerWithoutAnAddressIsProbedOnLoopback() throws Exception {
        host.reply(stateOf(C), state("running 0 0 -"));

        assertThat(await(http())).isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(host.renderedCommands()).last().isEqualTo(CURL.replace("172.17.0.5", "127.0.0.1"));
    }

    @Test
    void aFailingProbeIsRetriedEveryIntervalUntilItPasses() throws Exception {
        host.reply(stateOf(C), state(RUNNING));
        inOrder(host, startsWith("curl "), failed(7, "curl: (7) Failed to connect to 172.17.0.5 port 8080"),
            failed(22, "curl: (22) The requested URL returned error: 503"), ok(""));

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Healthy(Duration.ofSeconds(4)));
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(host.renderedCommands()).containsExactly(STATE, CURL, STATE, CURL, STATE, CURL);
    }

    @Test
    void successThresholdNeedsThatManyPassingProbesInARow() throws Exception {
        host.reply(stateOf(C), state(RUNNING));
        inOrder(host, startsWith("curl "), ok(""), ok(""), failed(22, "curl: (22) error: 500"), ok(""), ok(""),
            ok(""));

        HealthGate.Verdict v = await(check(new HttpProbe(8080, "/healthz"), 1, 30, 3));

        assertThat(v).as("the failure at the third probe starts the count again")
            .isEqualTo(new HealthGate.Verdict.Healthy(Duration.ofSeconds(5)));
        assertThat(host.renderedCommands().stream().filter(c -> c.startsWith("curl "))).hasSize(6);
    }

    @Test
    void aProbeThatNeverPassesTimesOutWithWhatItSawLast() throws Exception {
        host.reply(stateOf(C), state(RUNNING));
        host.reply("curl ", 22, "", "curl: (22) The requested URL returned error: 503\n");

        HealthGate.Verdict v = await(http());

        assertThat(v).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 30 s: http :8080/healthz failed (exit 22): curl: (22) The requested URL returned error: 503",
            Duration.ofSeconds(28)));
        assertThat(host.renderedCommands().stream().filter(c -> c.startsWith("curl ")))
            .as("probes at 0, 2, … 28 s: the next one would end after the timeout").hasSize(15);
        assertThat(time.slept()).isEqualTo(Duration.ofSeconds(28));
    }

    @Test
    void tcpProbeOpensAConnectionFromTheHost() throws Exception {
        host.reply(stateOf(C), state(RUNNING));

        assertThat(await(check(new TcpProbe(5432), 2, 30, 1))).isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(host.renderedCommands()).containsExactly(STATE,
            "timeout 2 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 172.17.0.5 5432");
    }

    @Test
    void aFailingTcpProbeSaysWhichPort() throws Exception {
        host.reply(stateOf(C), state(RUNNING));
        host.reply("timeout ", 1, "", "bash: connect: Connection refused\n");

        HealthGate.Verdict v = await(check(new TcpProbe(5432), 5, 10, 1));

        assertThat(v).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 10 s: tcp :5432 failed (exit 1): bash: connect: Connection refused", Duration.ofSeconds(5)));
    }

    @Test
    void commandProbeRunsInsideTheContainerWithoutAShell() throws Exception {
        host.reply(stateOf(C), state(RUNNING));

        assertThat(await(check(new CommandProbe(List.of("pg_isready", "-U", "shop; reboot")), 2, 30, 1)))
            .isInstanceOf(HealthGate.Verdict.Healthy.class);
        assertThat(host.renderedCommands()).containsExactly(STATE, "docker exec " + C + " pg_isready -U 'shop; reboot'");
    }

    @Test
    void aFailingCommandProbeDoesNotRepeatTheContainersOutput() throws Exception {
        host.reply(stateOf(C), state(RUNNING));
        host.reply("docker exec ", 2, "DATABASE_URL=postgres://shop:s3cret@db/shop is not reachable\n", "");

        HealthGate.Verdict v = await(check(new CommandProbe(List.of("check")), 2, 2, 1));

        assertThat(v).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 2 s: command [check] failed (exit 2)", Duration.ZERO));
    }

    @Test
    void dockerProbeWaitsForDockersOwnHealthStatus() throws Exception {
        inOrder(host, stateOf(C), state("running 0 0 starting 172.17.0.5"), state("running 0 0 starting 172.17.0.5"),
            state("running 0 0 healthy 172.17.0.5"));

        assertThat(await(check(new DockerProbe(), 2, 30, 1)))
            .isEqualTo(new HealthGate.Verdict.Healthy(Duration.ofSeconds(4)));
        assertThat(host.renderedCommands()).containsExactly(STATE, STATE, STATE);
    }

    @Test
    void dockerProbeOnAnImageWithoutHealthcheckSaysSo() throws Exception {
        host.reply(stateOf(C), state(RUNNING));

        assertThat(await(check(new DockerProbe(), 2, 4, 1))).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 4 s: the image defines no HEALTHCHECK, so Docker reports no health", Duration.ofSeconds(2)));
    }

    @Test
    void dockerProbeReportsAnUnhealthyContainer() throws Exception {
        host.reply(stateOf(C), state("running 0 0 unhealthy 172.17.0.5"));

        assertThat(await(check(new DockerProbe(), 2, 2, 1))).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 2 s: Docker reports unhealthy", Duration.ZERO));
    }

    // ---- the container's own state ----

    @Test
    void anExitedContainerFailsAtOnceWithItsExitCode() throws Exception {
        host.reply(stateOf(C), state("exited 3 0 -"));

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " exited with code 3", Duration.ZERO));
        assertThat(host.renderedCommands()).as("no probe of a dead container").containsExactly(STATE);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aContainerThatExitsWhileBeingProbedFailsAtOnce() throws Exception {
        inOrder(host, stateOf(C), state(RUNNING), state("exited 137 0 -"));
        host.reply("curl ", 7, "", "curl: (7) Failed to connect\n");

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " exited with code 137", Duration.ofSeconds(2)));
    }

    @Test
    void aDeadContainerFailsAtOnce() throws Exception {
        host.reply(stateOf(C), state("dead 1 0 -"));

        assertThat(await(Optional.empty())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " exited with code 1", Duration.ZERO));
    }

    @Test
    void aRestartingContainerIsCrashLoopingAndFailsAtOnce() throws Exception {
        host.reply(stateOf(C), state("restarting 1 2 -"));

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " is crash-looping (restarting, 2 restarts)", Duration.ZERO));
        assertThat(host.renderedCommands()).containsExactly(STATE);
    }

    @Test
    void aRunningContainerThatRestartedSinceItStartedFailsAtOnce() throws Exception {
        inOrder(host, stateOf(C), state(RUNNING), state("running 0 1 - 172.17.0.5"));
        host.reply("curl ", 7, "", "curl: (7) Failed to connect\n");

        assertThat(await(http())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " restarted 1 time since it was started", Duration.ofSeconds(2)));
    }

    @Test
    void aContainerThatIsGoneIsReportedAsMissing() throws Exception {
        host.reply(stateOf(C), failed(1, "Error: No such container: " + C));

        assertThat(await(check(new HttpProbe(8080, "/healthz"), 2, 4, 1))).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 4 s: container " + C + " is missing", Duration.ofSeconds(2)));
        assertThat(host.renderedCommands()).containsExactly(STATE, STATE);
    }

    // ---- no health check ----

    @Test
    void withoutACheckAContainerIsHealthyOnceItKeptRunningForTheSettleTime() throws Exception {
        host.reply(stateOf(C), state(RUNNING));

        assertThat(await(Optional.empty())).isEqualTo(new HealthGate.Verdict.Healthy(HealthGate.SETTLE));
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(host.renderedCommands()).containsOnly(STATE).hasSize(4);
    }

    @Test
    void withoutACheckTheSettleTimeCountsFromWhenItWasFirstSeenRunning() throws Exception {
        inOrder(host, stateOf(C), state("created 0 0 -"), state("created 0 0 -"), state(RUNNING));

        assertThat(await(Optional.empty())).isEqualTo(new HealthGate.Verdict.Healthy(Duration.ofSeconds(5)));
    }

    @Test
    void withoutACheckAContainerThatExitsWithinTheSettleTimeFails() throws Exception {
        inOrder(host, stateOf(C), state(RUNNING), state(RUNNING), state("exited 1 0 -"));

        assertThat(await(Optional.empty())).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "container " + C + " exited with code 1", Duration.ofSeconds(2)));
    }

    @Test
    void withoutACheckAContainerThatNeverRunsTimesOut() throws Exception {
        host.reply(stateOf(C), state("created 0 0 -"));

        HealthGate.Verdict v = await(Optional.empty());

        assertThat(v).isEqualTo(new HealthGate.Verdict.Unhealthy(
            "not healthy within 30 s: container " + C + " is created", Duration.ofSeconds(29)));
    }

    // ---- the host ----

    @Test
    void aHostThatStopsAnsweringIsAnErrorNotAVerdict() {
        host.fail(stateOf(C), HostFailure.Kind.CONNECTION_LOST, "host app-1: connection lost");

        assertThatThrownBy(() -> await(http()))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.CONNECTION_LOST);
                assertThat(e.failure().isTransient()).isTrue();
            });
    }

    // ---- liveness of a running container ----

    private Optional<String> liveness(HealthCheck check) throws Exception {
        return gate.liveness(host, C, Optional.of("172.17.0.5"), check);
    }

    @Test
    void aHealthyRunningContainerCostsOneProbe() throws Exception {
        assertThat(liveness(http().orElseThrow())).isEmpty();
        assertThat(host.renderedCommands()).containsExactly(CURL);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aRunningContainerIsUnhealthyAfterFailureThresholdFailedProbesInARow() throws Exception {
        host.reply("curl ", 22, "", "curl: (22) The requested URL returned error: 404\n");

        assertThat(liveness(http().orElseThrow())).contains("http :8080/healthz failed (exit 22): curl: (22) "
            + "The requested URL returned error: 404 (3 probes in a row, 2s apart)");
        assertThat(host.renderedCommands()).containsExactly(CURL, CURL, CURL);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    @Test
    void aProbeThatPassesAgainBeforeTheThresholdKeepsTheContainer() throws Exception {
        inOrder(host, startsWith("curl "), failed(7, "curl: (7) Failed to connect"), ok(""));

        assertThat(liveness(http().orElseThrow())).isEmpty();
        assertThat(host.renderedCommands()).containsExactly(CURL, CURL);
    }

    @Test
    void aFailureThresholdOfOneDecidesOnTheFirstProbe() throws Exception {
        host.reply("curl ", 7, "", "curl: (7) Failed to connect\n");
        HealthCheck once = new HealthCheck(new HttpProbe(8080, "/healthz"), Duration.ofSeconds(2),
            Duration.ofSeconds(30), Duration.ofSeconds(2), 1, 1);

        assertThat(liveness(once)).contains("http :8080/healthz failed (exit 7): curl: (7) Failed to connect");
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void dockerHealthIsNotProbedAgain() {
        assertThatThrownBy(() -> liveness(check(new DockerProbe(), 2, 30, 1).orElseThrow()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a health.docker check is read from the observation, not probed");
        assertThat(host.renderedCommands()).isEmpty();
    }

    @Test
    void aHostThatStopsAnsweringWhileProbedIsAnErrorNotAVerdict() {
        host.fail(startsWith("curl "), HostFailure.Kind.CONNECTION_LOST, "host app-1: connection lost");

        assertThatThrownBy(() -> liveness(http().orElseThrow())).isInstanceOf(HostException.class);
    }
}
