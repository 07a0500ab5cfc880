package dev.driftless.reconciler.apply;

import static dev.driftless.reconciler.apply.ApplyFixture.COMMIT;
import static dev.driftless.reconciler.apply.ApplyFixture.DB_PASSWORD;
import static dev.driftless.reconciler.apply.ApplyFixture.HOSTS;
import static dev.driftless.reconciler.apply.ApplyFixture.api;
import static dev.driftless.reconciler.apply.ApplyFixture.container;
import static dev.driftless.reconciler.apply.ApplyFixture.context;
import static dev.driftless.reconciler.apply.ApplyFixture.plan;
import static dev.driftless.reconciler.apply.ApplyFixture.running;
import static dev.driftless.reconciler.apply.ApplyFixture.transcript;
import static dev.driftless.reconciler.apply.Replies.failed;
import static dev.driftless.reconciler.apply.Replies.inOrder;
import static dev.driftless.reconciler.apply.Replies.startsWith;
import static dev.driftless.reconciler.apply.Replies.state;
import static dev.driftless.reconciler.apply.Replies.stateOf;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Instance;
import dev.driftless.reconciler.desired.LoadedState;
import dev.driftless.reconciler.history.ServiceOutcome;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.plan.Action;
import dev.driftless.reconciler.plan.Plan;
import dev.driftless.reconciler.plan.PlannedChange;
import dev.driftless.reconciler.runtime.docker.DockerCommands;
import dev.driftless.reconciler.runtime.docker.InstanceContainers;
import dev.driftless.reconciler.runtime.docker.UnusedImages;
import dev.driftless.reconciler.runtime.systemd.SystemdCommands;
import dev.driftless.reconciler.runtime.systemd.SystemdUnits;
import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostSession;
import dev.driftless.reconciler.ssh.RecordingHostSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply engine against fake hosts whose Docker answers as scripted: the exact remote commands
 * of every action, batches, pulls, health gates, rollback, secrets and stop requests. Health gates
 * run on a clock that moves only when they wait.
 */
class ApplierTest {

    private static final String IMAGE_V1 = "registry:5000/shop/api:1.0.0";
    private static final String IMAGE_V2 = "registry:5000/shop/api:1.1.0";
    private static final String START_FIRST = "{batch: 1, order: start-first, auto-rollback: true}";
    private static final String STOP_FIRST = "{batch: 1, order: stop-first, auto-rollback: true}";

    @TempDir
    Path repo;

    private ApplyFixture fixture;
    private final FakeTime time = FakeTime.at("2026-11-21T12:00:00Z");
    private final RecordingHostSession.Fleet fleet = RecordingHostSession.Fleet.fakes();
    /** Every command on every host, in the order the hosts received them. */
    private final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    private final Applier applier = new Applier(target -> new Journaled(fleet.session(target), journal),
        new HealthGate(time, time, Duration.ofSeconds(20)),
        new Applier.Settings(Duration.ofSeconds(20), Duration.ofMinutes(10)), time);
    private final ApplyFixture.Events events = new ApplyFixture.Events();

    @BeforeEach
    void hosts() {
        fixture = new ApplyFixture(repo);
        for (String h : List.of("app-1", "app-2", "app-3")) {
            RecordingHostSession s = fleet.host(h);
            // Every container runs, has an address, and passes its probe unless a test says otherwise.
            s.reply(startsWith("docker inspect --type container --format "), state("running 0 0 - 172.17.0.5"));
            // ... but no pre-deploy job is left running by an earlier reconcile.
            s.reply(c -> c.render().startsWith("docker inspect --type container --format ")
                && c.render().contains("-pre-deploy-"), failed(1, "Error: No such object: job\n"));
        }
    }

    /** The API at version 1.0.0 running everywhere, desired at 1.1.0 with {@code rollout}. */
    private Scenario upgrade(String rollout) {
        fixture.write("services/api.yaml", api("1.0.0", rollout));
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", api("1.1.0", rollout));
        LoadedState.Ready after = fixture.load();
        return new Scenario(before, after, running(before, ContainerState.RUNNING));
    }

    private record Scenario(DesiredState before, LoadedState.Ready after, List<ObservedContainer> observed) {
        String oldName(String host) {
            return name(before, host);
        }

        String newName(String host) {
            return name(after.state(), host);
        }

        private static String name(DesiredState s, String host) {
            return InstanceContainers.containerName(s.instance("api/" + host + "/1").orElseThrow());
        }
    }

    private Applier.Result apply(LoadedState.Ready ready, Plan plan) throws InterruptedException {
        return apply(ready, plan, Set.of(), () -> false);
    }

    private Applier.Result apply(LoadedState.Ready ready, Plan plan, Set<String> verify, BooleanSupplier stop)
            throws InterruptedException {
        return applier.apply(plan, context(ready, verify, stop), events);
    }

    private Applier.Result apply(Scenario s) throws InterruptedException {
        return apply(s.after(), plan(s.after().state(), s.observed(), time));
    }

    private List<String> transcriptOf(String host) {
        return transcript(fleet.host(host));
    }

    /** The removal of every env file of the container's instance, after docker run. */
    private static String cleanup(String container) {
        String instance = container.substring(0, container.lastIndexOf('-'));
        return "find .driftless/env -maxdepth 1 -type f -name '" + instance + "-*.env' -delete";
    }

    private static String envFile(String container) {
        return ".driftless/env/" + container + ".env";
    }

    /** What a CREATE or REPLACE runs to start and gate the new container (the API has a secret). */
    private static List<String> runAndGate(String container) {
        return List.of(
            "write " + envFile(container) + " mode 600",
            "docker run " + container + " …",
            cleanup(container),
            "state " + container,
            "probe http://172.17.0.5:8080/healthz");
    }

    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    // ---- the commands of each action ----

    @Test
    void createChecksTheImageClearsTheNameThenRunsAndGatesTheContainer() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String c1 = ApplyFixture.name(ready.state(), "api/app-1/1");

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2, removed(c1)),
            runAndGate(c1)));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(result.messages()).containsExactly(Map.entry("api", "converged"));
        assertThat(result.unreached()).isEmpty();
        assertThat(result.stopped()).isFalse();
        assertThat(result.steps()).isEqualTo(3);
        assertThat(events.of("app-1")).containsExactly(
            "start CREATE api app-1 api-1: no container for this instance",
            "SUCCEEDED CREATE api app-1 api-1: healthy");
    }

    @Test
    void aServiceUserIsTheContainersUser() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST) + "user: \"65534:65534\"\n");
        LoadedState.Ready ready = fixture.load();
        Instance i = ready.state().instance("api/app-1/1").orElseThrow();

        apply(ready, plan(ready.state(), List.of(), time));

        assertThat(fleet.host("app-1").renderedCommands()).anySatisfy(c -> assertThat(c)
            .startsWith("docker run --detach --name " + InstanceContainers.containerName(i) + " ")
            .contains(" --user 65534:65534 "));
    }

    @Test
    void dockerRunGetsTheWholeSpecOfTheInstanceWithItsSecretsOnlyInTheEnvFile() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        Instance i = ready.state().instance("api/app-1/1").orElseThrow();

        apply(ready, plan(ready.state(), List.of(), time));

        String expected = DockerCommands.run(InstanceContainers.spec(i, "default", COMMIT, true, time.instant())).render();
        assertThat(fleet.host("app-1").renderedCommands()).contains(expected);
        assertThat(expected).contains(" --env-file " + envFile(InstanceContainers.containerName(i)) + " ")
            .contains(" --label dev.driftless.commit=" + COMMIT + " ")
            .contains(" --env MODE=http ")
            .as("the secret's name and scrypt fingerprint label the container; its value does not")
            .contains("\"secret.DB_PASSWORD\":\"sfp1:")
            .doesNotContain(DB_PASSWORD).doesNotContain("s3cr3t");
    }

    @Test
    void aServiceOnANetworkHasItMadeBeforeItsSecretsAreWrittenAndIsReachableByServiceAndInstanceName()
            throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST) + "network: shop\n");
        LoadedState.Ready ready = fixture.load();
        String c1 = ApplyFixture.name(ready.state(), "api/app-1/1");

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2, removed(c1),
                DockerCommands.createNetwork("shop", "default").render()),
            runAndGate(c1)));
        assertThat(fleet.host("app-1").renderedCommands()).anyMatch(c -> c.startsWith("docker run ")
            && c.contains(" --network shop --network-alias api --network-alias api-1 "));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aServiceOnTwoNetworksHasBothMadeAndItsContainersConnectedToTheSecondBeforeTheyStart() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", STOP_FIRST) + "network: [shop, backend]\n");
        LoadedState.Ready ready = fixture.load();
        String c1 = ApplyFixture.name(ready.state(), "api/app-1/1");

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        List<String> app1 = transcriptOf("app-1");
        assertThat(app1).containsSubsequence(DockerCommands.createNetwork("shop", "default").render(),
            DockerCommands.createNetwork("backend", "default").render());
        assertThat(app1).anyMatch(c -> c.startsWith("docker create --name " + c1 + " ")
            && c.contains(" --network shop --network-alias api --network-alias api-1 ")
            && c.endsWith(" && docker network connect --alias api --alias api-1 backend " + c1 + " && docker start "
                + c1 + " > /dev/null"));
    }

    @Test
    void aNetworkTheServiceLeftIsRemovedOnceItsLastContainerIsGoneAndOnlyThen() throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "network: shop\n");
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "network: backend\n");
        LoadedState.Ready after = fixture.load();
        String removeShop = DockerCommands.removeNetworkIfUnused("shop", "default").render();
        for (String h : List.of("app-1", "app-2", "app-3")) {
            fleet.host(h).reply(c -> c.render().equals(removeShop), new CommandResult(0, h.equals("app-3") ? ""
                : DockerCommands.NETWORK_REMOVED + "\n", "", Duration.ofMillis(1)));
        }

        Applier.Result result = apply(after, plan(after.state(), running(before, ContainerState.RUNNING), time));

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        List<String> app1 = transcriptOf("app-1");
        assertThat(app1).contains(DockerCommands.createNetwork("backend", "default").render());
        assertThat(app1.getLast()).as("after the old container is removed").isEqualTo(removeShop);
        assertThat(app1.indexOf(removed(ApplyFixture.name(before, "api/app-1/1"))))
            .isLessThan(app1.size() - 1);
        // Recorded where it happened; where something still used it (app-3 here) it stays, unrecorded.
        assertThat(events.lines()).contains("SUCCEEDED REMOVE api app-1 -: removed network shop",
            "SUCCEEDED REMOVE api app-2 -: removed network shop");
        assertThat(events.lines()).noneMatch(l -> l.contains("REMOVE api app-3 -"));
    }

    @Test
    void onceTheServiceConvergedItsUnusedImagesGoBeyondTheNewestTheHostKeeps() throws Exception {
        Applier keeping = new Applier(target -> new Journaled(fleet.session(target), journal),
            new HealthGate(time, time, Duration.ofSeconds(20)),
            Applier.Settings.defaults(Duration.ofSeconds(20)).keepingImages(2), time);
        Scenario s = upgrade(START_FIRST);
        String repo = "registry:5000/shop/api";
        String list = UnusedImages.list(repo).render();
        String inUse = UnusedImages.inUse().render();
        String created = UnusedImages.created(repo).render();
        String remove = UnusedImages.remove(List.of(repo + ":0.9.0")).render();
        for (String h : List.of("app-1", "app-2", "app-3")) {
            RecordingHostSession host = fleet.host(h);
            host.reply(c -> c.render().equals(list), new CommandResult(0,
                "sha256:c\t2026-11-21 11:00:00 +0000 UTC\t1.1.0\t<none>\n"
                    + "sha256:b\t2026-11-20 11:00:00 +0000 UTC\t1.0.0\t<none>\n"
                    + "sha256:a\t2026-11-19 11:00:00 +0000 UTC\t0.9.0\t<none>\n", "", Duration.ofMillis(1)));
            host.reply(c -> c.render().equals(inUse), new CommandResult(0, "sha256:c\n", "", Duration.ofMillis(1)));
            host.reply(c -> c.render().equals(remove), new CommandResult(0,
                "Untagged: " + repo + ":0.9.0\nDeleted: sha256:a\n", "", Duration.ofMillis(1)));
        }

        Applier.Result result = keeping.apply(plan(s.after().state(), s.observed(), time),
            context(s.after(), Set.of(), () -> false), events);

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        List<String> app1 = transcriptOf("app-1");
        assertThat(app1.subList(app1.size() - 4, app1.size())).as("after the old container is removed")
            .containsExactly(list, inUse, created, remove);
        assertThat(app1.indexOf(removed(s.oldName("app-1")))).isLessThan(app1.size() - 4);
        assertThat(events.of("app-1")).endsWith(
            "start REMOVE api app-1 -: images of registry:5000/shop/api no container uses, beyond the 2 newest",
            "SUCCEEDED REMOVE api app-1 -: removed registry:5000/shop/api:0.9.0");
    }

    @Test
    void aServiceThatLeftTheHostLeavesNoImageBehindOnceItsContainersAreGone() throws Exception {
        Applier keeping = new Applier(target -> new Journaled(fleet.session(target), journal),
            new HealthGate(time, time, Duration.ofSeconds(20)),
            Applier.Settings.defaults(Duration.ofSeconds(20)).keepingImages(2), time);
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        List<ObservedContainer> observed = running(fixture.load().state(), ContainerState.RUNNING);
        // api leaves the repo; web stays on app-1 with an image of its own repository.
        fixture.delete("services/api.yaml").write("services/web.yaml", "image: nginx:1.27\nplacement: {hosts: [app-1]}\n");
        LoadedState.Ready ready = fixture.load();
        String repo = "registry:5000/shop/api";
        String list = UnusedImages.list(repo).render();
        String inUse = UnusedImages.inUse().render();
        String remove = UnusedImages.remove(List.of(repo + ":1.1.0", repo + ":1.0.0")).render();
        for (String h : List.of("app-1", "app-2", "app-3")) {
            RecordingHostSession host = fleet.host(h);
            host.reply(c -> c.render().equals(list), new CommandResult(0,
                "sha256:c\t2026-11-21 11:00:00 +0000 UTC\t1.1.0\t<none>\n"
                    + "sha256:b\t2026-11-20 11:00:00 +0000 UTC\t1.0.0\t<none>\n", "", Duration.ofMillis(1)));
            host.reply(c -> c.render().equals(inUse), new CommandResult(0, "sha256:f\n", "", Duration.ofMillis(1)));
            host.reply(c -> c.render().equals(remove), new CommandResult(0, "Untagged: " + repo + ":1.1.0\nUntagged: "
                + repo + ":1.0.0\nDeleted: sha256:c\nDeleted: sha256:b\n", "", Duration.ofMillis(1)));
        }

        Applier.Result result = keeping.apply(plan(ready.state(), observed, time), context(ready, Set.of(), () -> false),
            events);

        assertThat(result.services()).containsEntry("api", ServiceOutcome.SUCCEEDED);
        for (String h : List.of("app-1", "app-2", "app-3")) {
            // web rolls out on app-1 meanwhile: its commands may come in between.
            assertThat(transcriptOf(h)).as(h).containsSubsequence(list, inUse, remove);
            assertThat(events.of(h)).as(h).containsSubsequence(
                "start REMOVE api " + h + " -: images of " + repo + " no container uses, and no instance on " + h
                    + " needs any more",
                "SUCCEEDED REMOVE api " + h + " -: removed " + repo + ":1.1.0, " + repo + ":1.0.0");
        }
    }

    @Test
    void aNetworkAnotherInstanceOnTheHostNeedsIsNotEvenTriedToRemove() throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "network: shop\n");
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "network: backend\n");
        fixture.write("services/cache.yaml", "image: registry:5000/shop/cache:1\nplacement: {hosts: [app-1]}\n"
            + "network: shop\n");
        LoadedState.Ready after = fixture.load();
        List<ObservedContainer> observed = new ArrayList<>(running(before, ContainerState.RUNNING));
        observed.add(ApplyFixture.container(after.state().instance("cache/app-1/1").orElseThrow(),
            ContainerState.RUNNING));

        apply(after, plan(after.state(), observed, time));

        assertThat(transcriptOf("app-1")).noneMatch(c -> c.contains("docker network rm"));
        assertThat(transcriptOf("app-2")).contains(DockerCommands.removeNetworkIfUnused("shop", "default").render());
    }

    @Test
    void aNetworkThatCannotBeMadeFailsTheStepWithoutWritingSecretsOrRunningAnything() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", STOP_FIRST) + "network: shop\n");
        LoadedState.Ready ready = fixture.load();
        fleet.host("app-1").reply("docker network inspect shop", 1, "",
            "Error response from daemon: could not find an available, non-overlapping IPv4 address pool\n");

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(transcriptOf("app-1")).noneMatch(c -> c.startsWith("write ") || c.startsWith("docker run "));
        assertThat(result.services()).as("a failed release (auto-rollback on)")
            .containsEntry("api", ServiceOutcome.ROLLED_BACK);
        assertThat(events.of("app-1")).contains("FAILED CREATE api app-1 api-1: creating network shop failed (exit 1):"
            + " Error response from daemon: could not find an available, non-overlapping IPv4 address pool");
    }

    // ---- pre-deploy jobs ----

    private static final String WITH_JOB = "{batch: 1, order: start-first, pre-deploy: {command: [/app/migrate, --up],"
        + " timeout: 1m}}";

    @Test
    void aPreDeployJobRunsOnceOnTheFirstHostInAContainerOfTheNewSpecBeforeAnyInstanceIsReplaced() throws Exception {
        Scenario s = upgrade(WITH_JOB);
        Instance first = s.after().state().instance("api/app-1/1").orElseThrow();
        String job = InstanceContainers.preDeployName(first);
        fleet.host("app-1").reply("timeout --kill-after=10s 60s docker run --rm --name " + job, 0,
            "connecting\nmigrated 3 tables\n", "");

        Applier.Result result = apply(s);

        String jobEnv = ".driftless/env/" + job + ".env";
        String run = DockerCommands.runJob(InstanceContainers.jobSpec(first, "default", COMMIT, List.of("/app/migrate",
            "--up"), Optional.of(jobEnv)), Duration.ofMinutes(1)).render();
        assertThat(transcriptOf("app-1").subList(0, 7)).containsExactly(
            "docker image inspect --format '{{.Id}}' " + IMAGE_V2,
            "state " + job,
            "docker rm --force " + job,
            "write " + jobEnv + " mode 600",
            run,
            "docker rm --force " + job,
            "rm -f -- " + jobEnv);
        assertThat(run).startsWith("timeout --kill-after=10s 60s docker run --rm --name " + job + " --label ")
            .contains(" --env-file " + jobEnv + " ", " --env MODE=http ", " --entrypoint /app/migrate " + IMAGE_V2
                + " --up 2>&1")
            .as("no published port, alias, restart policy or managed label").doesNotContain("--publish", "--restart",
                "--network-alias", "dev.driftless.managed", "s3cr3t");
        assertThat(journal.indexOf("app-1: " + run)).as("the job ran before any instance started")
            .isLessThan(journal.stream().filter(l -> l.contains(": docker run " + s.newName("app-1"))).map(journal::indexOf)
                .findFirst().orElseThrow());
        for (String host : List.of("app-2", "app-3")) {
            assertThat(transcriptOf(host)).noneMatch(c -> c.contains(job));
        }
        assertThat(events.of("app-1")).startsWith(
            "start PRE_DEPLOY api app-1 -: before 1.1.0 rolls out: /app/migrate --up",
            "SUCCEEDED PRE_DEPLOY api app-1 -: exit 0: connecting / migrated 3 tables");
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    /** The job's container on app-1, which an interrupted reconcile left running. */
    private String jobLeftRunning(Scenario s) {
        String job = InstanceContainers.preDeployName(s.after().state().instance("api/app-1/1").orElseThrow());
        fleet.host("app-1").reply(stateOf(job), state("running 0 0 - 172.17.0.9"));
        return job;
    }

    @Test
    void aJobAnInterruptedReconcileLeftRunningIsWaitedForNotKilledAndStartedAgain() throws Exception {
        Scenario s = upgrade(WITH_JOB);
        String job = jobLeftRunning(s);
        fleet.host("app-1").reply(startsWith("timeout --kill-after=10s 60s docker attach --no-stdin --sig-proxy=false "
            + job), Replies.ok("migrated 3 tables\n"));

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-1").subList(0, 5)).containsExactly(
            "docker image inspect --format '{{.Id}}' " + IMAGE_V2,
            "state " + job,
            "timeout --kill-after=10s 60s docker attach --no-stdin --sig-proxy=false " + job + " 2>&1",
            "docker rm --force " + job,
            "rm -f -- .driftless/env/" + job + ".env");
        noHostRan(c -> c.contains("docker run --rm"));
        assertThat(events.of("app-1")).contains("SUCCEEDED PRE_DEPLOY api app-1 -: exit 0 (the run an interrupted"
            + " reconcile had started was still going: waited for it, not started again): migrated 3 tables");
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aJobThatEndsJustBeforeItIsWaitedForRunsAgain() throws Exception {
        Scenario s = upgrade(WITH_JOB);
        String job = jobLeftRunning(s);
        fleet.host("app-1").reply(startsWith("timeout --kill-after=10s 60s docker attach"), new CommandResult(1,
            "You cannot attach to a stopped container, start it first\n", "", Duration.ofMillis(1)));
        fleet.host("app-1").reply("timeout --kill-after=10s 60s docker run --rm --name " + job, 0, "migrated\n", "");

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-1")).anyMatch(c -> c.startsWith("timeout --kill-after=10s 60s docker run --rm --name "
            + job));
        assertThat(events.of("app-1")).contains("SUCCEEDED PRE_DEPLOY api app-1 -: exit 0: migrated");
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aFailedPreDeployJobDeploysNothingAndNeverPutsASecretItPrintedIntoHistory() throws Exception {
        Scenario s = upgrade(WITH_JOB);
        fleet.host("app-1").reply("timeout --kill-after=10s 60s docker run --rm", 3,
            "connecting as shop with password " + DB_PASSWORD + "\nERROR: relation \"orders\" already exists\n", "");

        Applier.Result result = apply(s);

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.FAILED));
        assertThat(result.messages().get("api")).isEqualTo("pre-deploy job on app-1 failed (exit 3): connecting as"
            + " shop with password *** / ERROR: relation \"orders\" already exists; nothing deployed");
        noHostRan(c -> c.startsWith("docker run ") || c.startsWith("docker stop "));
        assertThat(events.texts()).noneMatch(m -> m.contains("s3cr3t"));
        assertThat(events.of("app-1")).contains("FAILED PRE_DEPLOY api app-1 -: failed (exit 3): connecting as shop"
            + " with password *** / ERROR: relation \"orders\" already exists");
    }

    @Test
    void aJobWhoseHostDoesNotAnswerIsRetriedLaterAndNothingIsDeployedMeanwhile() throws Exception {
        Scenario s = upgrade(WITH_JOB);
        fleet.host("app-1").fail(startsWith("timeout "), HostFailure.Kind.CONNECTION_LOST, "connection reset");

        Applier.Result result = apply(s);

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SKIPPED));
        assertThat(result.unreached()).containsExactly("app-1");
        assertThat(result.messages().get("api")).startsWith("pre-deploy job not run: ").endsWith("; will retry");
        noHostRan(c -> c.startsWith("docker run "));
    }

    @Test
    void aHealOrAScaleOutOfTheRunningSpecRunsNoJob() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", WITH_JOB));
        LoadedState.Ready ready = fixture.load();
        List<ObservedContainer> allButApp2 = running(ready.state(), ContainerState.RUNNING).stream()
            .filter(c -> !c.id().startsWith("id-app-2-")).toList();
        Plan plan = plan(ready.state(), allButApp2, time);
        assertThat(plan.changesOf("api")).anyMatch(c -> c.action() == Action.CREATE);
        assertThat(plan.preDeployDue("api")).isEmpty();

        Applier.Result result = apply(ready, plan);

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        noHostRan(c -> c.contains("pre-deploy"));
    }

    @Test
    void aSpecWhoseJobAlreadySucceededRunsNoJobEvenWhenNoInstanceRunsIt() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", WITH_JOB));
        LoadedState.Ready ready = fixture.load();
        Plan fresh = plan(ready.state(), List.of(), time);
        String fp = ready.state().instance("api/app-1/1").orElseThrow().fingerprint();

        Plan plan = fresh.withJobsRan(Set.of(Plan.jobKey("api", fp)));

        assertThat(plan.preDeployDue("api")).isEmpty();
        assertThat(fresh.withJobsRan(Set.of(Plan.jobKey("api", "sha256:other"))).preDeployDue("api")).isPresent();
        // As the daemon and driftless plan ask the history: by service and fingerprint.
        List<String> asked = new java.util.ArrayList<>();
        assertThat(fresh.withJobsRan((service, f) -> asked.add(service + " " + f) && f.equals(fp))
            .preDeployDue("api")).isEmpty();
        assertThat(asked).containsExactly("api " + fp);
        assertThat(fresh.withJobsRan((service, f) -> false)).isSameAs(fresh);
        Applier.Result result = apply(ready, plan);
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        noHostRan(c -> c.contains("pre-deploy"));
    }

    /**
     * How apply removes an instance: the checksums of its files, then its stop signal, its grace
     * period (default 10 s), then gone.
     */
    private static String removed(String container) {
        return "rm -f -- .driftless/container-files/" + container + ".sha256; docker stop --time 10 " + container
            + " > /dev/null 2> /dev/null; docker rm --force " + container;
    }

    private void noHostRan(java.util.function.Predicate<String> command) {
        for (String host : List.of("app-1", "app-2", "app-3")) {
            assertThat(transcriptOf(host)).as(host).noneMatch(command);
        }
    }

    @Test
    void theFirstDeployOfAServiceRunsItsJob() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", WITH_JOB));
        LoadedState.Ready ready = fixture.load();
        Plan plan = plan(ready.state(), List.of(), time);

        assertThat(plan.preDeployDue("api")).hasValueSatisfying(c -> assertThat(c.host()).isEqualTo("app-1"));
        apply(ready, plan);

        assertThat(events.of("app-1")).contains("start PRE_DEPLOY api app-1 -: before 1.1.0 rolls out: /app/migrate --up");
    }

    @Test
    void startFirstReplaceRunsTheNewContainerBesideTheOldAndStopsTheOldOnlyOnceTheNewIsHealthy() throws Exception {
        Scenario s = upgrade(START_FIRST);

        Applier.Result result = apply(s);

        String old = s.oldName("app-1");
        String fresh = s.newName("app-1");
        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2),
            runAndGate(fresh),
            List.of("docker stop --time 10 " + old,
                // the service converged everywhere: the retired container goes
                removed(old))));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.of("app-1")).containsExactly(
            "start REPLACE api app-1 api-1: image 1.0.0 → 1.1.0",
            "SUCCEEDED REPLACE api app-1 api-1: healthy");
    }

    @Test
    void aStartFirstInstanceReplacedForDriftGetsItsSpecsSecondNameAndServesThroughout() throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        List<ObservedContainer> edited = running(ready.state(), ContainerState.RUNNING).stream()
            .map(c -> c.withDrift("file /www/banner.txt changed on the host")).toList();

        Applier.Result result = apply(ready, plan(ready.state(), edited, time));

        String old = InstanceContainers.containerName(ready.state().instance("api/app-1/1").orElseThrow());
        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V1,
                // what an interrupted replace left under the second name would block it
                removed(old + "-b")),
            List.of("write " + envFile(old + "-b") + " mode 600", "docker run " + old + "-b …", cleanup(old),
                "state " + old + "-b", "probe http://172.17.0.5:8080/healthz"),
            List.of("docker stop --time 10 " + old, removed(old))));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.of("app-1")).containsExactly(
            "start REPLACE api app-1 api-1: file /www/banner.txt changed on the host",
            "SUCCEEDED REPLACE api app-1 api-1: healthy");
    }

    @Test
    void stopFirstReplaceStopsTheOldContainerBeforeRunningTheNew() throws Exception {
        Scenario s = upgrade(STOP_FIRST);

        apply(s);

        String old = s.oldName("app-2");
        String fresh = s.newName("app-2");
        assertThat(transcriptOf("app-2")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2, "docker stop --time 10 " + old),
            runAndGate(fresh),
            List.of(removed(old))));
    }

    @Test
    void retiredContainersAreRemovedOnlyAfterEveryHostConverged() throws Exception {
        Scenario s = upgrade(START_FIRST);

        apply(s);

        List<String> removals = journal.stream().filter(l -> l.contains("docker rm --force ")).toList();
        assertThat(removals).containsExactly(
            "app-1: " + removed(s.oldName("app-1")),
            "app-2: " + removed(s.oldName("app-2")),
            "app-3: " + removed(s.oldName("app-3")));
        assertThat(journal.indexOf(removals.get(0))).as("after the last host's gate")
            .isGreaterThan(journal.indexOf("app-3: probe http://172.17.0.5:8080/healthz"));
    }

    /** The API as a systemd service: the same program, run by the host's systemd instead of Docker. */
    private static final String API_AS_UNIT = """
        runtime: systemd
        command: [/opt/api/bin/api, --port, "8080"]
        placement: {selector: {role: app}}
        ports: ["8080"]
        env: {MODE: http}
        secrets: {DB_PASSWORD: secrets/app.yaml#DB_PASSWORD}
        health:
          http: {port: 8080, path: /healthz}
          interval: 2s
          timeout: 10s
        rollout: {batch: 1, order: stop-first, auto-rollback: true}
        """;

    private static CommandResult unitState(String activeState, int exitCode) {
        return Replies.ok("Id=x.service\nLoadState=loaded\nActiveState=" + activeState + "\nSubState="
            + (activeState.equals("active") ? "running" : "failed") + "\nNRestarts=0\nExecMainStatus=" + exitCode + "\n");
    }

    @Test
    void aServiceMovingFromContainersToUnitsStopsTheContainerStartsTheUnitAndRemovesTheContainerOnceConverged()
            throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST));
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", API_AS_UNIT);
        LoadedState.Ready after = fixture.load();
        for (String h : List.of("app-1", "app-2", "app-3")) {
            fleet.host(h).reply(c -> c.render().contains(" show --property="), unitState("active", 0));
        }

        Applier.Result result = apply(after, plan(after.state(), running(before, ContainerState.RUNNING), time));

        String old = ApplyFixture.name(before, "api/app-1/1");
        String unit = SystemdUnits.unitName(after.state().instance("api/app-1/1").orElseThrow());
        assertThat(transcriptOf("app-1")).containsExactly(
            "docker stop --time 10 " + old,
            "write .driftless/units/" + unit + ".env mode 600",
            // the env file's checksum, for observation to compare it with
            "write .driftless/files/" + unit + ".sha256 mode 600",
            "write .config/systemd/user/" + unit + ".service mode 644",
            SystemdCommands.enableNow(SystemdUnits.Scope.USER, unit).render(),
            SystemdCommands.state(SystemdUnits.Scope.USER, unit).render(),
            "probe http://127.0.0.1:8080/healthz",
            removed(old));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.of("app-1")).containsExactly(
            "start REPLACE api app-1 api-1: command added ([\"/opt/api/bin/api\",\"--port\",\"8080\"]); image removed"
                + " (was registry:5000/shop/api:1.0.0); port 8080/tcp 0.0.0.0:* → 0.0.0.0:8080; runtime docker → systemd",
            "SUCCEEDED REPLACE api app-1 api-1: healthy");
        List<RecordingHostSession.Wrote> writes = fleet.host("app-1").calls().stream()
            .filter(RecordingHostSession.Wrote.class::isInstance).map(RecordingHostSession.Wrote.class::cast).toList();
        assertThat(new String(writes.get(0).content(), StandardCharsets.UTF_8))
            .contains("DB_PASSWORD=\"" + DB_PASSWORD.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        assertThat(new String(writes.get(1).content(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t")
            .matches("[0-9a-f]{64} 0600 - ~/\\.driftless/units/" + unit + "\\.env\n");
        assertThat(new String(writes.get(2).content(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t")
            .contains("EnvironmentFile=%h/.driftless/units/" + unit + ".env");
        assertThat(fleet.host("app-1").renderedCommands()).noneMatch(c -> c.contains("s3cr3t"));
    }

    @Test
    void aUnitThatFailsItsGateIsRemovedAndTheContainerItReplacedStartsAgain() throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST));
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", API_AS_UNIT);
        LoadedState.Ready after = fixture.load();
        fleet.host("app-1").reply(c -> c.render().contains(" show --property="), unitState("failed", 2));

        Applier.Result result = apply(after, plan(after.state(), running(before, ContainerState.RUNNING), time));

        String old = ApplyFixture.name(before, "api/app-1/1");
        String unit = SystemdUnits.unitName(after.state().instance("api/app-1/1").orElseThrow());
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.ROLLED_BACK));
        assertThat(result.messages().get("api")).isEqualTo("api on app-1: unit " + unit
            + " exited with code 2; rolled back to what ran before");
        assertThat(transcriptOf("app-1")).containsSubsequence(
            SystemdCommands.enableNow(SystemdUnits.Scope.USER, unit).render(),
            SystemdCommands.state(SystemdUnits.Scope.USER, unit).render(),
            SystemdCommands.remove(SystemdUnits.Scope.USER, unit).render(),
            "docker start " + old,
            "state " + old);
        assertThat(transcriptOf("app-2")).as("the rollout stopped at the first batch").isEmpty();
    }

    @Test
    void startStartsTheStoppedContainerAndGatesIt() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String name = ApplyFixture.name(ready.state(), "api/app-2/1");

        Applier.Result result = apply(ready, plan(ready.state(), app2In(ready, ContainerState.EXITED), time));

        assertThat(transcriptOf("app-2")).containsExactly("docker start " + name, "state " + name,
            "probe http://172.17.0.5:8080/healthz");
        assertThat(transcriptOf("app-1")).isEmpty();
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.lines()).containsExactly(
            "start START api app-2 api-1: container exited 60 min ago (exit code 1)",
            "SUCCEEDED START api app-2 api-1: healthy",
            "service api SUCCEEDED: converged");
    }

    /** Every instance running, but api on app-2 in {@code state}. */
    private static List<ObservedContainer> app2In(LoadedState.Ready ready, ContainerState state) {
        Instance i = ready.state().instance("api/app-2/1").orElseThrow();
        List<ObservedContainer> observed = new ArrayList<>(running(ready.state(), ContainerState.RUNNING));
        observed.replaceAll(c -> c.id().contains("app-2") ? container(i, state) : c);
        return observed;
    }

    @Test
    void aContainerObservedWhileBeingRemovedIsCreatedAnewInTheSameReconcile() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String name = ApplyFixture.name(ready.state(), "api/app-2/1");
        List<ObservedContainer> observed = app2In(ready, ContainerState.REMOVING);
        fleet.host("app-2").reply("docker start " + name, 1, "",
            "Error response from daemon: No such container: " + name + "\n");

        Applier.Result result = apply(ready, plan(ready.state(), observed, time));

        assertThat(transcriptOf("app-2")).containsExactlyElementsOf(concat(
            List.of("docker start " + name, removed(name)), runAndGate(name)));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(result.unreached()).isEmpty();
        assertThat(events.of("app-2")).containsExactly(
            "start START api app-2 api-1: container removing",
            "SKIPPED START api app-2 api-1: the docker container was removed meanwhile; creating the instance anew",
            "start CREATE api app-2 api-1: no container for this instance (" + name + " was removed meanwhile)",
            "SUCCEEDED CREATE api app-2 api-1: healthy");
    }

    /** A liveness restart of a container removed since the drift check observed it: created anew, not failed. */
    @Test
    void aRestartOfAContainerRemovedMeanwhileCreatesItAnewInTheSameReconcile() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String name = ApplyFixture.name(ready.state(), "api/app-2/1");
        Plan live = plan(ready.state(), running(ready.state(), ContainerState.RUNNING), time);
        List<PlannedChange> changes = new ArrayList<>(live.changes());
        changes.replaceAll(c -> c.host().equals("app-2") ? new PlannedChange(c.service(), c.host(), c.instance(),
            Action.RESTART, List.of("liveness probe failed 3 times in a row"), c.desired(), c.observed()) : c);
        String restart = DockerCommands.restart(name, Duration.ofSeconds(10)).render();
        fleet.host("app-2").reply(restart, 1, "", "Error response from daemon: No such container: " + name + "\n");

        Applier.Result result = apply(ready, new Plan(live.environment(), changes, live.hosts(), live.serviceOrder(),
            live.held(), live.jobsRan()));

        assertThat(transcriptOf("app-2")).containsExactlyElementsOf(concat(
            List.of(restart, removed(name)), runAndGate(name)));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(result.unreached()).isEmpty();
        assertThat(events.of("app-2")).containsExactly(
            "start RESTART api app-2 api-1: liveness probe failed 3 times in a row",
            "SKIPPED RESTART api app-2 api-1: the docker container was removed meanwhile; creating the instance anew",
            "start CREATE api app-2 api-1: no container for this instance (" + name + " was removed meanwhile)",
            "SUCCEEDED CREATE api app-2 api-1: healthy");
    }

    /** {@code live} with app-2's instance restarted because an operator asked, and the context that says so. */
    private Applier.Result applyRequestedRestartOnApp2(LoadedState.Ready ready, Plan live) throws InterruptedException {
        List<PlannedChange> changes = new ArrayList<>(live.changes());
        changes.replaceAll(c -> c.host().equals("app-2") ? new PlannedChange(c.service(), c.host(), c.instance(),
            Action.RESTART, List.of("restart requested by alice@ops-1: new certificate"), c.desired(), c.observed()) : c);
        return applier.apply(new Plan(live.environment(), changes, live.hosts(), live.serviceOrder(), live.held(),
            live.jobsRan()), new Applier.Context(ready.state().environment(), COMMIT, ApplyFixture.targets(ready.state()),
            ready.secrets(), Set.of(), () -> false, Set.of(Applier.verifyKey("api", "app-2", "api-1"))), events);
    }

    @Test
    void aRequestedRestartOfAStartFirstContainerRunsAFreshOneUnderTheSpecsOtherNameBeforeTheOldOneGoes()
            throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String name = ApplyFixture.name(ready.state(), "api/app-2/1");
        // The instance runs under the second name already (an earlier restart): the fresh one takes the first.
        List<ObservedContainer> observed = running(ready.state(), ContainerState.RUNNING).stream()
            .map(c -> c.name().equals(name) ? renamed(c, name + "-b") : c).toList();

        Applier.Result result = applyRequestedRestartOnApp2(ready, plan(ready.state(), observed, time));

        assertThat(transcriptOf("app-2")).containsExactlyElementsOf(concat(
            List.of(removed(name)),
            runAndGate(name),
            List.of("docker stop --time 10 " + name + "-b", removed(name + "-b"))));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.of("app-2")).containsExactly(
            "start RESTART api app-2 api-1: restart requested by alice@ops-1: new certificate",
            "SUCCEEDED RESTART api app-2 api-1: healthy: " + name + " took over from " + name + "-b (start-first)");
        assertThat(transcriptOf("app-1")).as("the others untouched").isEmpty();
    }

    @Test
    void aFreshContainerThatFailsItsGateIsRemovedAndTheOldOneServesOnNeverStopped() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String name = ApplyFixture.name(ready.state(), "api/app-2/1");
        fleet.host("app-2").reply(stateOf(name + "-b"), state("exited 3 0 -"));

        Applier.Result result = applyRequestedRestartOnApp2(ready, plan(ready.state(),
            running(ready.state(), ContainerState.RUNNING), time));

        assertThat(transcriptOf("app-2")).containsExactly(
            removed(name + "-b"),
            "write " + envFile(name + "-b") + " mode 600",
            "docker run " + name + "-b …",
            cleanup(name),
            "state " + name + "-b",
            removed(name + "-b"));
        assertThat(result.services()).as("a restart is no verdict on the release")
            .containsExactly(Map.entry("api", ServiceOutcome.SKIPPED));
        assertThat(events.of("app-2")).last(as(STRING)).isEqualTo("FAILED RESTART api app-2 api-1: container " + name
            + "-b exited with code 3; " + name + "-b removed, " + name + " serves on");
    }

    @Test
    void aRequestedRestartOfAStartFirstUnitStartsItsSecondUnitWithItsOwnFilesBesideIt() throws Exception {
        fixture.write("services/api.yaml", API_AS_UNIT.replace("ports: [\"8080\"]\n", "")
            .replace("order: stop-first", "order: start-first"));
        LoadedState.Ready ready = fixture.load();
        fleet.host("app-2").reply(c -> c.render().contains(" show --property="), unitState("active", 0));
        Instance instance = ready.state().instance("api/app-2/1").orElseThrow();
        String unit = SystemdUnits.unitName(instance);
        List<ObservedContainer> observed = ready.state().instances().stream().map(ApplierTest::unit).toList();

        Applier.Result result = applyRequestedRestartOnApp2(ready, plan(ready.state(), observed, time));

        String fresh = unit + "-b";
        assertThat(transcriptOf("app-2")).containsExactly(
            SystemdCommands.remove(SystemdUnits.Scope.USER, fresh).render(),
            "write .driftless/units/" + fresh + ".env mode 600",
            // the env file's checksum, for observation to compare it with
            "write .driftless/files/" + fresh + ".sha256 mode 600",
            "write .config/systemd/user/" + fresh + ".service mode 644",
            SystemdCommands.enableNow(SystemdUnits.Scope.USER, fresh).render(),
            SystemdCommands.state(SystemdUnits.Scope.USER, fresh).render(),
            "probe http://127.0.0.1:8080/healthz",
            SystemdCommands.stop(SystemdUnits.Scope.USER, unit).render(),
            SystemdCommands.remove(SystemdUnits.Scope.USER, unit).render());
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        String file = fleet.host("app-2").calls().stream().filter(RecordingHostSession.Wrote.class::isInstance)
            .map(RecordingHostSession.Wrote.class::cast).filter(w -> w.path().endsWith(".service"))
            .map(w -> new String(w.content(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
        assertThat(file).contains("EnvironmentFile=%h/.driftless/units/" + fresh + ".env",
            "dev.driftless.fingerprint=" + instance.fingerprint());
    }

    /** {@code c} under another name. */
    private static ObservedContainer renamed(ObservedContainer c, String name) {
        return new ObservedContainer(c.id(), name, c.image(), c.imageId(), c.labels(), c.environment(), c.service(),
            c.instance(), c.fingerprint(), c.commit(), c.spec(), c.deployedAt(), c.state(), c.exitCode(), c.startedAt(),
            c.finishedAt(), c.health(), c.healthOutput(), c.restartCount(), c.ipAddress(), c.runtime());
    }

    /** The running user unit of {@code i}, as the systemd observer reports one (no image, no address). */
    private static ObservedContainer unit(Instance i) {
        String name = SystemdUnits.unitName(i);
        return new ObservedContainer("id-" + i.host().name() + "-" + name, name, "", "", Map.of(),
            Optional.of("default"), Optional.of(i.service().name()), Optional.of(i.name()),
            Optional.of(i.fingerprint()), Optional.of("0ld0ld0"), i.inputs().values(), Optional.empty(),
            ContainerState.RUNNING, 0, Optional.of(java.time.Instant.parse("2026-11-20T10:00:00Z")), Optional.empty(),
            dev.driftless.reconciler.observe.HealthStatus.NONE, Optional.empty(), 0, Optional.empty(),
            dev.driftless.model.Runtime.SYSTEMD);
    }

    @Test
    void removeRunsAfterTheServiceConvergedAndOnlyForContainersNoLongerWanted() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST)
            .replace("placement: {selector: {role: app}}", "placement: {selector: {role: app}, replicas: 2}"));
        DesiredState two = fixture.load().state();
        List<ObservedContainer> observed = running(two, ContainerState.RUNNING);
        String extra = InstanceContainers.containerName(two.instance("api/app-3/2").orElseThrow());

        Applier.Result result = apply(ready, plan(ready.state(), observed, time));

        assertThat(transcriptOf("app-3")).containsExactly(removed(extra));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.of("app-3")).containsExactly(
            "start REMOVE api app-3 api-2: not in desired state (fewer replicas of api on app-3)",
            "SUCCEEDED REMOVE api app-3 api-2: removed " + extra);
    }

    @Test
    void aServiceNoLongerInTheRepoIsPrunedFromEveryHost() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        List<ObservedContainer> observed = running(fixture.load().state(), ContainerState.RUNNING);
        fixture.delete("services/api.yaml").write("services/web.yaml", """
            image: nginx:1.27
            placement: {hosts: [app-1]}
            """);
        LoadedState.Ready ready = fixture.load();

        Applier.Result result = apply(ready, plan(ready.state(), observed, time));

        assertThat(result.services()).containsEntry("api", ServiceOutcome.SUCCEEDED);
        for (ObservedContainer c : observed) {
            String host = c.id().split("-")[1] + "-" + c.id().split("-")[2];
            assertThat(transcriptOf(host)).contains(removed(c.name()));
        }
        assertThat(events.lines()).filteredOn(l -> l.startsWith("start REMOVE")).hasSize(3)
            .allMatch(l -> l.endsWith("not in desired state (service api is not in the repo)"));
    }

    @Test
    void everyStopAndRemovalGivesTheInstanceTheGracePeriodItWasDeployedWithAndRemovalsWaitOutTheirsAtOnce()
            throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "stop: {signal: SIGINT, grace-period: 45s}\n");
        List<ObservedContainer> observed = running(fixture.load().state(), ContainerState.RUNNING);
        fixture.delete("services/api.yaml").write("services/web.yaml", "image: nginx:1.27\nplacement: {hosts: [app-1]}\n");
        LoadedState.Ready ready = fixture.load();
        // Each removal waits here until all three are under way: one after the other, they would
        // take the sum of their grace periods.
        java.util.concurrent.CountDownLatch together = new java.util.concurrent.CountDownLatch(3);
        java.util.concurrent.atomic.AtomicBoolean atOnce = new java.util.concurrent.atomic.AtomicBoolean(true);
        for (String h : List.of("app-1", "app-2", "app-3")) {
            fleet.host(h).reply(c -> {
                if (!c.render().startsWith("docker stop --time 45 ")) {
                    return false;
                }
                together.countDown();
                try {
                    atOnce.compareAndSet(true, together.await(10, java.util.concurrent.TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }, new CommandResult(0, "", "", Duration.ofMillis(1)));
        }

        Applier.Result result = apply(ready, plan(ready.state(), observed, time));

        assertThat(result.services()).containsEntry("api", ServiceOutcome.SUCCEEDED);
        assertThat(atOnce).as("the three removals ran at once").isTrue();
        for (ObservedContainer c : observed) {
            String host = c.id().split("-")[1] + "-" + c.id().split("-")[2];
            List<RecordingHostSession.Ran> ran = fleet.host(host).calls().stream()
                .filter(RecordingHostSession.Ran.class::isInstance).map(RecordingHostSession.Ran.class::cast)
                .filter(r -> r.rendered().contains(c.name())).toList();
            assertThat(ran).extracting(RecordingHostSession.Ran::rendered).containsExactly("rm -f --"
                + " .driftless/container-files/" + c.name() + ".sha256; docker stop --time 45 "
                + c.name() + " > /dev/null 2> /dev/null; docker rm --force " + c.name());
            assertThat(ran.getFirst().timeout()).as("the command timeout plus the grace period")
                .isEqualTo(Duration.ofSeconds(20 + 45));
        }
    }

    @Test
    void aReplacedInstanceIsStoppedWithTheGracePeriodOfTheSpecItRunsNotTheNewOne() throws Exception {
        fixture.write("services/api.yaml", api("1.0.0", STOP_FIRST) + "stop: {grace-period: 2m}\n");
        DesiredState before = fixture.load().state();
        fixture.write("services/api.yaml", api("1.1.0", STOP_FIRST) + "stop: {grace-period: 5s}\n");
        LoadedState.Ready after = fixture.load();
        String old = ApplyFixture.name(before, "api/app-1/1");

        apply(after, plan(after.state(), running(before, ContainerState.RUNNING), time));

        assertThat(transcriptOf("app-1")).contains("docker stop --time 120 " + old);
        assertThat(transcriptOf("app-1")).filteredOn(l -> l.startsWith("docker run ")).hasSize(1);
        assertThat(fleet.host("app-1").calls()).filteredOn(RecordingHostSession.Ran.class::isInstance)
            .map(RecordingHostSession.Ran.class::cast)
            .filteredOn(r -> r.rendered().equals("docker stop --time 120 " + old))
            .extracting(RecordingHostSession.Ran::timeout).containsExactly(Duration.ofSeconds(140));
    }

    // ---- batches ----

    @Test
    void withBatchesOfOneEachHostStartsOnlyAfterThePreviousHostPassedItsGate() throws Exception {
        Scenario s = upgrade(STOP_FIRST);

        apply(s);

        List<String> expected = new ArrayList<>();
        for (String h : List.of("app-1", "app-2", "app-3")) {
            expected.add(h + ": docker image inspect --format '{{.Id}}' " + IMAGE_V2);
            expected.add(h + ": docker stop --time 10 " + s.oldName(h));
            expected.add(h + ": docker run " + s.newName(h) + " …");
            expected.add(h + ": " + cleanup(s.newName(h)));
            expected.add(h + ": state " + s.newName(h));
            expected.add(h + ": probe http://172.17.0.5:8080/healthz");
        }
        for (String h : List.of("app-1", "app-2", "app-3")) {
            expected.add(h + ": " + removed(s.oldName(h)));
        }
        assertThat(journal).containsExactlyElementsOf(expected);
    }

    @Test
    void withBatchesOfTwoTheHostsOfABatchWorkAtOnceAndTheNextBatchWaitsForBoth() throws Exception {
        Scenario s = upgrade("{batch: 2, order: start-first}");
        CountDownLatch bothRunning = new CountDownLatch(2);
        AtomicBoolean together = new AtomicBoolean();
        for (String h : List.of("app-1", "app-2")) {
            fleet.host(h).reply(c -> {
                if (c.render().startsWith("docker run ")) {
                    bothRunning.countDown();
                    try {
                        // Only true if both hosts' docker run are in flight at the same time.
                        together.set(bothRunning.await(5, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return false;
            }, Replies.ok(""));
        }

        Applier.Result result = apply(s);

        assertThat(together).as("app-1 and app-2 ran docker run at the same time").isTrue();
        List<String> work = journal.stream().filter(l -> !l.contains("docker rm --force ")).toList();
        assertThat(work).hasSize(18);
        assertThat(work.subList(0, 12)).allMatch(l -> l.startsWith("app-1: ") || l.startsWith("app-2: "));
        assertThat(work.subList(12, 18)).allMatch(l -> l.startsWith("app-3: "));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aBatchGivenAsAShareIsOfTheServicesHostsRoundedUp() throws Exception {
        // 50 % of 3 hosts: 2 at a time, then the third.
        Scenario s = upgrade("{batch: 50%, order: start-first}");

        Applier.Result result = apply(s);

        List<String> work = journal.stream().filter(l -> !l.contains("docker rm --force ")).toList();
        assertThat(work).hasSize(18);
        assertThat(work.subList(0, 12)).allMatch(l -> l.startsWith("app-1: ") || l.startsWith("app-2: "))
            .anyMatch(l -> l.startsWith("app-2: "));
        assertThat(work.subList(12, 18)).allMatch(l -> l.startsWith("app-3: "));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    // ---- images ----

    @Test
    void theImageIsPulledOnlyWhereItIsMissingAndBeforeAnythingIsStopped() throws Exception {
        Scenario s = upgrade(STOP_FIRST);
        fleet.host("app-2").reply("docker image inspect ", 1, "", "Error: No such image: " + IMAGE_V2 + "\n");

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-2")).startsWith("docker image inspect --format '{{.Id}}' " + IMAGE_V2,
            "docker pull --quiet " + IMAGE_V2, "docker stop --time 10 " + s.oldName("app-2"));
        assertThat(transcriptOf("app-1")).noneMatch(l -> l.startsWith("docker pull"));
        assertThat(transcriptOf("app-3")).noneMatch(l -> l.startsWith("docker pull"));
        assertThat(events.of("app-2")).startsWith(
            "start PULL api app-2 -: image " + IMAGE_V2 + " not on the host",
            "SUCCEEDED PULL api app-2 -: pulled");
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aFailedPullChangesNothingOnThatHostAndIsNotAFailedRelease() throws Exception {
        Scenario s = upgrade(STOP_FIRST);
        fleet.host("app-2").reply("docker image inspect ", 1, "", "Error: No such image: " + IMAGE_V2 + "\n");
        fleet.host("app-2").reply("docker pull ", 1, "",
            "Error response from daemon: Get \"https://registry:5000/v2/\": dial tcp: lookup registry: no such host\n");

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-2")).containsExactly("docker image inspect --format '{{.Id}}' " + IMAGE_V2,
            "docker pull --quiet " + IMAGE_V2);
        assertThat(transcriptOf("app-3")).as("the rollout goes on on the other hosts")
            .contains("docker run " + s.newName("app-3") + " …", removed(s.oldName("app-3")));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SKIPPED));
        assertThat(result.messages()).containsExactly(
            Map.entry("api", "not converged on app-2 (pull of " + IMAGE_V2 + " failed: Error response from daemon: "
                + "Get \"https://registry:5000/v2/\": dial tcp: lookup registry: no such host; nothing changed on app-2);"
                + " will retry"));
        assertThat(result.unreached()).containsExactly("app-2");
        assertThat(result.anyFailed()).isFalse();
        assertThat(result.anyRolledBack()).isFalse();
        assertThat(events.of("app-2")).containsExactly(
            "start PULL api app-2 -: image " + IMAGE_V2 + " not on the host",
            "FAILED PULL api app-2 -: pull of " + IMAGE_V2 + " failed: Error response from daemon: "
                + "Get \"https://registry:5000/v2/\": dial tcp: lookup registry: no such host; nothing changed on app-2");
    }

    @Test
    void aRegistryWithALoginGetsThePasswordOnStdinAndKeepsNoCredentialAfterThePull() throws Exception {
        String token = "t0ken;$(reboot) 'x'";
        fixture.write("hosts.yaml", HOSTS + "registries:\n  registry:5000: {username: ci-bot, password: "
            + "secrets/app.yaml#REGISTRY_TOKEN}\n");
        fixture.secrets("DB_PASSWORD: \"" + DB_PASSWORD.replace("\"", "\\\"") + "\"\nREGISTRY_TOKEN: \"" + token + "\"\n");
        Scenario s = upgrade(STOP_FIRST);
        fleet.host("app-2").reply("docker image inspect ", 1, "", "Error: No such image: " + IMAGE_V2 + "\n");

        Applier.Result result = apply(s);

        String auth = ".driftless/registry-auth/default";
        assertThat(transcriptOf("app-2")).startsWith("docker image inspect --format '{{.Id}}' " + IMAGE_V2,
            "mkdir -p -m 0700 " + auth + " && docker --config " + auth + " login --username=ci-bot --password-stdin "
                + "registry:5000",
            "docker --config " + auth + " pull --quiet " + IMAGE_V2,
            "rm -rf -- " + auth,
            "docker stop --time 10 " + s.oldName("app-2"));
        assertThat(fleet.host("app-2").calls()).filteredOn(c -> c instanceof RecordingHostSession.Ran r
                && r.rendered().contains(" login "))
            .singleElement().satisfies(c -> assertThat(new String(((RecordingHostSession.Ran) c).stdin(),
                StandardCharsets.UTF_8)).isEqualTo(token));
        assertThat(fleet.all().values().stream().flatMap(h -> h.renderedCommands().stream()))
            .noneMatch(c -> c.contains("t0ken"));
        assertThat(events.of("app-2")).contains("SUCCEEDED PULL api app-2 -: pulled (logged in to registry:5000 as ci-bot)");
        assertThat(events.texts()).noneMatch(m -> m.contains("t0ken"));
        assertThat(transcriptOf("app-1")).as("a host that has the image logs in nowhere").noneMatch(l -> l.contains("login"));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
    }

    @Test
    void aRefusedLoginChangesNothingOnThatHostAndStillRemovesTheConfig() throws Exception {
        fixture.write("hosts.yaml", HOSTS + "registries:\n  registry:5000: {username: ci-bot, password: "
            + "secrets/app.yaml#REGISTRY_TOKEN}\n");
        fixture.secrets("DB_PASSWORD: x\nREGISTRY_TOKEN: wrong-t0ken\n");
        Scenario s = upgrade(STOP_FIRST);
        fleet.host("app-2").reply("docker image inspect ", 1, "", "Error: No such image: " + IMAGE_V2 + "\n");
        fleet.host("app-2").reply("mkdir -p -m 0700 .driftless/registry-auth/default", 1, "",
            "Error response from daemon: Get \"http://registry:5000/v2/\": unauthorized: authentication required\n");

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-2")).hasSize(3).last().isEqualTo("rm -rf -- .driftless/registry-auth/default");
        assertThat(transcriptOf("app-2")).noneMatch(l -> l.contains(" pull "));
        assertThat(result.unreached()).containsExactly("app-2");
        assertThat(result.anyFailed()).isFalse();
        assertThat(events.of("app-2")).contains("FAILED PULL api app-2 -: login to registry:5000 as ci-bot failed: "
            + "Error response from daemon: Get \"http://registry:5000/v2/\": unauthorized: authentication required; "
            + "nothing changed on app-2");
    }

    // ---- health gates and rollback ----

    @Test
    void aFailedGateOnTheSecondHostRollsBackTheFirstAndLeavesTheThirdAlone() throws Exception {
        Scenario s = upgrade(STOP_FIRST);
        fleet.host("app-2").reply(stateOf(s.newName("app-2")), state("exited 1 0 -"));

        Applier.Result result = apply(s);

        String old1 = s.oldName("app-1");
        String new1 = s.newName("app-1");
        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2, "docker stop --time 10 " + old1),
            runAndGate(new1),
            List.of(removed(new1), "docker start " + old1, "state " + old1,
                "probe http://172.17.0.5:8080/healthz")));
        String old2 = s.oldName("app-2");
        String new2 = s.newName("app-2");
        assertThat(transcriptOf("app-2")).containsExactly(
            "docker image inspect --format '{{.Id}}' " + IMAGE_V2, "docker stop --time 10 " + old2,
            "write " + envFile(new2) + " mode 600", "docker run " + new2 + " …", cleanup(new2),
            "state " + new2,
            removed(new2), "docker start " + old2, "state " + old2, "probe http://172.17.0.5:8080/healthz");
        assertThat(transcriptOf("app-3")).isEmpty();

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.ROLLED_BACK));
        assertThat(result.messages()).containsExactly(Map.entry("api",
            "api on app-2: container " + new2 + " exited with code 1; rolled back to what ran before"));
        assertThat(result.anyRolledBack()).isTrue();
        assertThat(events.lines()).contains(
            "FAILED REPLACE api app-2 api-1: container " + new2 + " exited with code 1",
            "start ROLLBACK api app-1 api-1: back to 1.0.0 (" + old1 + ")",
            "SUCCEEDED ROLLBACK api app-1 api-1: restored " + old1,
            "start ROLLBACK api app-2 api-1: back to 1.0.0 (" + old2 + ")",
            "SUCCEEDED ROLLBACK api app-2 api-1: restored " + old2);
    }

    @Test
    void aGateThatTimesOutRollsBackWithTheProbesLastAnswer() throws Exception {
        Scenario s = upgrade(START_FIRST);
        fleet.host("app-1").reply("curl ", 22, "", "curl: (22) The requested URL returned error: 503\n");

        Applier.Result result = apply(s);

        assertThat(result.messages()).containsExactly(Map.entry("api", "api on app-1: not healthy within 10 s: "
            + "http :8080/healthz failed (exit 22): curl: (22) The requested URL returned error: 503; "
            + "rolled back to what ran before"));
        assertThat(transcriptOf("app-1")).as("start-first: the old container never stopped; the new one goes")
            .doesNotContain("docker stop --time 10 " + s.oldName("app-1"))
            .contains(removed(s.newName("app-1")));
        assertThat(transcriptOf("app-2")).isEmpty();
    }

    @Test
    void withAutoRollbackOffAFailedGateLeavesEverythingAsItIsAndFailsTheService() throws Exception {
        Scenario s = upgrade("{batch: 1, order: stop-first, auto-rollback: false}");
        fleet.host("app-2").reply(stateOf(s.newName("app-2")), state("exited 1 0 -"));

        Applier.Result result = apply(s);

        assertThat(transcriptOf("app-1")).containsExactlyElementsOf(concat(
            List.of("docker image inspect --format '{{.Id}}' " + IMAGE_V2, "docker stop --time 10 " + s.oldName("app-1")),
            runAndGate(s.newName("app-1"))));
        assertThat(transcriptOf("app-2")).last().isEqualTo("state " + s.newName("app-2"));
        assertThat(transcriptOf("app-3")).isEmpty();
        assertThat(journal).noneMatch(l -> l.contains("docker rm ") || l.contains("docker start "));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.FAILED));
        assertThat(result.messages()).containsExactly(Map.entry("api", "api on app-2: container " + s.newName("app-2")
            + " exited with code 1; left as is (auto-rollback is off)"));
        assertThat(events.lines()).noneMatch(l -> l.contains("ROLLBACK"));
    }

    @Test
    void aContainerThatCannotStartIsAFailedReleaseAndIsRemovedAgain() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        String c1 = ApplyFixture.name(ready.state(), "api/app-1/1");
        fleet.host("app-1").reply("docker run ", 125, "", "docker: Error response from daemon: invalid mount config.\n");

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(transcriptOf("app-1")).containsExactly(
            "docker image inspect --format '{{.Id}}' " + IMAGE_V2, removed(c1),
            "write " + envFile(c1) + " mode 600", "docker run " + c1 + " …",
            cleanup(c1),
            removed(c1));
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.ROLLED_BACK));
        assertThat(result.messages().get("api")).isEqualTo("api on app-1: docker run failed (exit 125): "
            + "docker: Error response from daemon: invalid mount config.; rolled back to what ran before");
        assertThat(events.lines()).contains("SUCCEEDED ROLLBACK api app-1 api-1: removed " + c1);
    }

    // ---- hosts that stop answering ----

    @Test
    void aHostThatStopsAnsweringIsSkippedAndTheOthersConverge() throws Exception {
        Scenario s = upgrade(START_FIRST);
        fleet.host("app-2").fail(startsWith("docker run "), HostFailure.Kind.CONNECTION_LOST,
            "host app-2: the connection was lost");

        Applier.Result result = apply(s);

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SKIPPED));
        assertThat(result.unreached()).containsExactly("app-2");
        assertThat(transcriptOf("app-3")).contains("docker run " + s.newName("app-3") + " …");
        assertThat(transcriptOf("app-2")).as("after the drop only the env file's removal is still tried")
            .endsWith("docker run " + s.newName("app-2") + " …", cleanup(s.newName("app-2")));
        assertThat(events.of("app-2")).containsExactly(
            "start REPLACE api app-2 api-1: image 1.0.0 → 1.1.0",
            "FAILED REPLACE api app-2 api-1: host app-2: the connection was lost");
    }

    // ---- secrets ----

    @Test
    void secretsTravelOnlyInAnOwnerOnlyEnvFileThatIsRemovedAfterDockerRun() throws Exception {
        Scenario s = upgrade(START_FIRST);

        apply(s);

        for (String h : List.of("app-1", "app-2", "app-3")) {
            RecordingHostSession host = fleet.host(h);
            assertThat(host.writes()).singleElement().satisfies(w -> {
                assertThat(w.path()).isEqualTo(envFile(s.newName(h)));
                assertThat(w.mode()).isEqualTo(0600);
                assertThat(new String(w.content(), StandardCharsets.UTF_8)).isEqualTo("DB_PASSWORD=" + DB_PASSWORD + "\n");
            });
            List<String> t = transcriptOf(h);
            assertThat(t.indexOf(cleanup(s.newName(h))))
                .as("removed right after docker run read it").isEqualTo(t.indexOf("docker run " + s.newName(h) + " …") + 1);
        }
        assertThat(fleet.all().values().stream().flatMap(h -> h.renderedCommands().stream()))
            .isNotEmpty()
            .noneMatch(c -> c.contains(DB_PASSWORD) || c.contains("s3cr3t"));
        assertThat(events.texts()).noneMatch(m -> m.contains("s3cr3t"));
    }

    @Test
    void theEnvFileIsRemovedEvenWhenDockerRunFails() throws Exception {
        Scenario s = upgrade(START_FIRST);
        fleet.host("app-1").reply("docker run ", 125, "", "docker: Error response from daemon: Conflict.\n");

        apply(s);

        assertThat(transcriptOf("app-1")).contains(cleanup(s.newName("app-1")));
    }

    @Test
    void aSecretDockerCannotCarryFailsTheStepWithoutShowingTheValue() throws Exception {
        fixture.secrets("DB_PASSWORD: \"line one\\nline two s3cr3t\"\n");
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.ROLLED_BACK));
        assertThat(events.of("app-1")).contains("FAILED CREATE api app-1 api-1: the value of DB_PASSWORD contains a "
            + "line break or NUL, which a Docker env file cannot carry");
        assertThat(events.texts()).noneMatch(m -> m.contains("s3cr3t"));
        assertThat(fleet.host("app-1").writes()).isEmpty();
        assertThat(fleet.host("app-1").renderedCommands()).noneMatch(c -> c.startsWith("docker run "));
    }

    // ---- services in order ----

    @Test
    void aServiceAfterOneThatFailedIsSkippedAndNotTouched() throws Exception {
        fixture.write("services/store.yaml", """
            image: registry:5000/shop/store:2.0.0
            placement: {hosts: [app-1]}
            health: {http: {port: 8080, path: /healthz}, interval: 2s, timeout: 4s}
            """);
        fixture.write("services/worker.yaml", """
            image: registry:5000/shop/worker:2.0.0
            placement: {selector: {role: app}}
            after: [store]
            """);
        LoadedState.Ready ready = fixture.load();
        String store = ApplyFixture.name(ready.state(), "store/app-1/1");
        fleet.host("app-1").reply(stateOf(store), state("restarting 1 3 -"));

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(result.services()).containsExactly(Map.entry("store", ServiceOutcome.ROLLED_BACK),
            Map.entry("worker", ServiceOutcome.SKIPPED));
        assertThat(result.messages()).containsEntry("worker", "waits for store, which did not converge");
        assertThat(journal).noneMatch(l -> l.contains("worker"));
        assertThat(events.lines()).last().isEqualTo("service worker SKIPPED: waits for store, which did not converge");
    }

    @Test
    void servicesRunInAfterOrderEachOnlyOnceTheOneBeforeConverged() throws Exception {
        fixture.write("services/store.yaml", """
            image: registry:5000/shop/store:2.0.0
            placement: {hosts: [app-3]}
            health: {tcp: {port: 5432}}
            """);
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST) + "after: [store]\n");
        LoadedState.Ready ready = fixture.load();

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(result.services().keySet()).containsExactly("store", "api");
        int storeGate = journal.indexOf("app-3: timeout 2 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 172.17.0.5 5432");
        assertThat(storeGate).isNotNegative();
        assertThat(journal.subList(0, storeGate + 1)).noneMatch(l -> l.contains("shop/api"));
    }

    /** Two services that do not wait for each other: store (tcp gate) on app-3, worker (no check) on app-1. */
    private void storeOnApp3AndWorkerOnApp1() {
        fixture.write("services/store.yaml", """
            image: registry:5000/shop/store:2.0.0
            placement: {hosts: [app-3]}
            health: {tcp: {port: 5432}}
            """);
        fixture.write("services/worker.yaml", """
            image: registry:5000/shop/worker:2.0.0
            placement: {hosts: [app-1]}
            """);
    }

    @Test
    void servicesThatDoNotWaitForOneAnotherRollOutAtOnceAndOneThatComesAfterWaits() throws Exception {
        storeOnApp3AndWorkerOnApp1();
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST) + "after: [store]\n");
        LoadedState.Ready ready = fixture.load();
        java.util.concurrent.CountDownLatch workerRuns = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean together = new AtomicBoolean();
        fleet.host("app-1").reply(c -> {
            if (c.render().startsWith("docker run ") && c.render().contains("shop/worker")) {
                workerRuns.countDown();
            }
            return false;
        }, Replies.ok(""));
        fleet.host("app-3").reply(c -> {
            if (c.render().startsWith("docker run ") && c.render().contains("shop/store")) {
                try {
                    // Run one after the other, the worker would start only once the store is done.
                    together.set(workerRuns.await(10, java.util.concurrent.TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return false;
        }, Replies.ok(""));

        Applier.Result result = apply(ready, plan(ready.state(), List.of(), time));

        assertThat(together).as("store and worker rolled out at the same time").isTrue();
        assertThat(result.services()).as("reported in start order").containsExactly(
            Map.entry("store", ServiceOutcome.SUCCEEDED), Map.entry("api", ServiceOutcome.SUCCEEDED),
            Map.entry("worker", ServiceOutcome.SUCCEEDED));
        int storeGate = journal.indexOf("app-3: timeout 2 bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' 172.17.0.5 5432");
        assertThat(storeGate).isNotNegative();
        assertThat(journal.subList(0, storeGate + 1)).as("api only after the store it comes after")
            .noneMatch(l -> l.contains("shop/api"));
    }

    @Test
    void withOneServiceAtATimeEachServiceFinishesBeforeTheNextStarts() throws Exception {
        storeOnApp3AndWorkerOnApp1();
        LoadedState.Ready ready = fixture.load();
        Applier oneAtATime = new Applier(target -> new Journaled(fleet.session(target), journal),
            new HealthGate(time, time, Duration.ofSeconds(20)),
            new Applier.Settings(Duration.ofSeconds(20), Duration.ofMinutes(10)).withParallelServices(1), time);

        Applier.Result result = oneAtATime.apply(plan(ready.state(), List.of(), time), context(ready, Set.of(),
            () -> false), events);

        assertThat(result.services().keySet()).containsExactly("store", "worker");
        int lastStore = -1;
        int firstWorker = Integer.MAX_VALUE;
        for (int i = 0; i < journal.size(); i++) {
            if (journal.get(i).contains("store")) {
                lastStore = i;
            }
            if (journal.get(i).contains("worker")) {
                firstWorker = Math.min(firstWorker, i);
            }
        }
        assertThat(lastStore).isLessThan(firstWorker);
    }

    // ---- stopping ----

    @Test
    void aStopRequestedDuringABatchEndsTheRolloutBeforeTheNextBatch() throws Exception {
        Scenario s = upgrade(START_FIRST);
        AtomicBoolean stop = new AtomicBoolean();
        fleet.host("app-1").reply(c -> {
            if (c.render().startsWith("curl ")) {
                stop.set(true); // SIGTERM arrives while app-1 is being gated
            }
            return false;
        }, Replies.ok(""));

        Applier.Result result = apply(s.after(), plan(s.after().state(), s.observed(), time), Set.of(), stop::get);

        assertThat(result.stopped()).isTrue();
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SKIPPED));
        assertThat(result.messages()).containsExactly(Map.entry("api", "stopped (shutdown, or the reconcile lease lost) before every batch ran"));
        assertThat(transcriptOf("app-1")).as("the batch in flight finishes its host step")
            .contains("docker stop --time 10 " + s.oldName("app-1"))
            .doesNotContain(removed(s.oldName("app-1")));
        assertThat(transcriptOf("app-2")).isEmpty();
        assertThat(transcriptOf("app-3")).isEmpty();
    }

    @Test
    void aStopRequestedBeforeApplyStartsTouchesNothing() throws Exception {
        Scenario s = upgrade(START_FIRST);

        Applier.Result result = apply(s.after(), plan(s.after().state(), s.observed(), time), Set.of(), () -> true);

        assertThat(result.stopped()).isTrue();
        assertThat(result.services()).isEmpty();
        assertThat(journal).isEmpty();
    }

    // ---- verifying what an interrupted rollout left ----

    @Test
    void anInstanceAnInterruptedRolloutStartedIsGatedBeforeItIsTrusted() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();
        List<ObservedContainer> observed = running(ready.state(), ContainerState.RUNNING);
        String c1 = ApplyFixture.name(ready.state(), "api/app-1/1");
        Plan plan = plan(ready.state(), observed, time);
        assertThat(plan.hasChanges()).isFalse();

        Applier.Result result = apply(ready, plan, Set.of(Applier.verifyKey("api", "app-1", "api-1")), () -> false);

        assertThat(transcriptOf("app-1")).containsExactly("state " + c1, "probe http://172.17.0.5:8080/healthz");
        assertThat(transcriptOf("app-2")).isEmpty();
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.SUCCEEDED));
        assertThat(events.lines()).containsExactly("service api SUCCEEDED: converged");
    }

    @Test
    void anUnhealthyInstanceLeftByAnInterruptedRolloutIsRolledBackToTheContainerItReplaced() throws Exception {
        Scenario s = upgrade(START_FIRST);
        // The interrupted rollout got as far as starting the new container on app-1; the old one is stopped.
        Instance fresh = s.after().state().instance("api/app-1/1").orElseThrow();
        Instance old = s.before().instance("api/app-1/1").orElseThrow();
        List<ObservedContainer> observed = new ArrayList<>(running(s.after().state(), ContainerState.RUNNING));
        observed.add(container(old, ContainerState.EXITED));
        fleet.host("app-1").reply(stateOf(s.newName("app-1")), state("restarting 1 4 -"));
        Plan plan = plan(s.after().state(), observed, time);
        assertThat(plan.changes()).filteredOn(c -> c.host().equals("app-1")).extracting(c -> c.action())
            .containsExactlyInAnyOrder(Action.UNCHANGED, Action.REMOVE);

        Applier.Result result = apply(s.after(), plan, Set.of(Applier.verifyKey("api", "app-1", "api-1")), () -> false);

        assertThat(transcriptOf("app-1")).containsExactly("state " + s.newName("app-1"),
            removed(s.newName("app-1")), "docker start " + s.oldName("app-1"),
            "state " + s.oldName("app-1"), "probe http://172.17.0.5:8080/healthz");
        assertThat(result.services()).containsExactly(Map.entry("api", ServiceOutcome.ROLLED_BACK));
        assertThat(events.lines()).containsExactly(
            "start REPLACE api app-1 api-1: verify an instance started by an interrupted rollout",
            "FAILED REPLACE api app-1 api-1: container " + s.newName("app-1") + " is crash-looping (restarting, 4 restarts)",
            "start ROLLBACK api app-1 api-1: back to 1.0.0 (" + s.oldName("app-1") + ")",
            "SUCCEEDED ROLLBACK api app-1 api-1: restored " + s.oldName("app-1"),
            "service api ROLLED_BACK: api on app-1: container " + s.newName("app-1")
                + " is crash-looping (restarting, 4 restarts); rolled back to what ran before");
    }

    @Test
    void unchangedInstancesThatNeedNoVerificationSendNothing() throws Exception {
        fixture.write("services/api.yaml", api("1.1.0", START_FIRST));
        LoadedState.Ready ready = fixture.load();

        Applier.Result result = apply(ready, plan(ready.state(), running(ready.state(), ContainerState.RUNNING), time));

        assertThat(journal).isEmpty();
        assertThat(result.services()).isEmpty();
        assertThat(result.steps()).isZero();
    }

    /** Passes every call on to a fake host, noting its commands in one journal across hosts. */
    private record Journaled(RecordingHostSession fake, List<String> journal) implements HostSession {

        private void note(RemoteCommand command) {
            journal.add(fake.host() + ": " + ApplyFixture.line(
                new RecordingHostSession.Ran(command, command.render(), Duration.ZERO, 0)));
        }

        @Override
        public String host() {
            return fake.host();
        }

        @Override
        public CommandResult run(RemoteCommand command, Duration timeout) throws HostException {
            note(command);
            return fake.run(command, timeout);
        }

        @Override
        public CommandResult run(RemoteCommand command, byte[] stdin, Duration timeout) throws HostException {
            note(command);
            return fake.run(command, stdin, timeout);
        }

        @Override
        public void writeFile(String path, byte[] content, int mode) throws HostException {
            fake.writeFile(path, content, mode);
        }

        @Override
        public void disconnect() {
            fake.disconnect();
        }
    }
}
