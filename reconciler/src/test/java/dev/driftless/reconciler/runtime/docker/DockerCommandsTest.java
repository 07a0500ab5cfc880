package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.runtime.InstanceRuntime;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerCommandsTest {

    @Test
    void observeListsManagedContainersInOneInvocation() {
        assertThat(DockerCommands.observe().render()).isEqualTo(
            "docker version --format '{{.Server.Version}}' && "
                + "docker ps --all --quiet --no-trunc --filter label=dev.driftless.managed=true "
                + "| xargs -r docker inspect --type container && sh -c "
                + dev.driftless.reconciler.command.ShellQuote.quote(DockerCommands.FILES_CHECK)
                + " driftless-files .driftless/container-files");
        // the daemon's observation also removes the lists of containers that are gone
        assertThat(DockerCommands.observe(true, true).render()).endsWith(
            " driftless-files .driftless/container-files tidy");
        // status and logs list without checking files
        assertThat(DockerCommands.observe(false).render()).isEqualTo(
            "docker version --format '{{.Server.Version}}' && "
                + "docker ps --all --quiet --no-trunc --filter label=dev.driftless.managed=true "
                + "| xargs -r docker inspect --type container");
    }

    @Test
    void pull() {
        assertThat(DockerCommands.pull("registry:5000/api:1.4.2").render())
            .isEqualTo("docker pull --quiet registry:5000/api:1.4.2");
    }

    @Test
    void imageId() {
        assertThat(DockerCommands.imageId("api:1.4.2").render())
            .isEqualTo("docker image inspect --format '{{.Id}}' api:1.4.2");
    }

    @Test
    void runWithOnlyNameAndImage() {
        assertThat(DockerCommands.run(ContainerSpec.builder("api-1", "api:1.0").build()).render())
            .isEqualTo("docker run --detach --name api-1 --restart unless-stopped api:1.0");
    }

    @Test
    void runRendersEveryOptionOfTheSpec() {
        ContainerSpec spec = ContainerSpec.builder("api-1", "registry:5000/api:1.4.2")
            .command(List.of("/bin/busybox", "httpd"))
            .args(List.of("-f", "-p", "8080"))
            .env("LOG_LEVEL", "info")
            .env("GREETING", "hello world")
            .envFile(".driftless/env/api-1.env")
            .port(Port.tcp(8080, 8080))
            .port(new Port(53, 5353, Port.Protocol.UDP, Optional.of("127.0.0.1")))
            .port(new Port(9000, 9000, Port.Protocol.TCP, Optional.of("::1")))
            .volume(Mount.volume("api-data", "/data"))
            .volume(Mount.bind("/etc/ssl/certs", "/certs", true))
            .volume(new Mount(Mount.Type.TMPFS, "", "/tmp", false))
            .labels(ContainerLabels.forInstance("production", "api", "api-1", "f1e2", "abc123",
                java.util.Map.of("image", "registry:5000/api:1.4.2"), java.time.Instant.parse("2026-01-02T03:04:05.678Z")))
            .resources(new Resources(OptionalLong.of(536870912), Optional.of(new BigDecimal("0.5")), OptionalLong.of(4096)))
            .restart(new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, 3))
            .user("app:1000")
            .network("driftless")
            .alias("api")
            .alias("api-1")
            .health(new HealthCheck(new HealthCheck.Exec(List.of("wget", "-q", "-O", "-", "http://localhost:8080/healthz")),
                Duration.ofSeconds(5), Duration.ofMillis(1500), 3, Duration.ofSeconds(10)))
            .build();
        assertThat(DockerCommands.run(spec).render()).isEqualTo("docker run --detach --name api-1"
            + " --label dev.driftless.commit=abc123"
            + " --label dev.driftless.deployed-at=2026-01-02T03:04:05Z"
            + " --label dev.driftless.environment=production"
            + " --label dev.driftless.fingerprint=f1e2"
            + " --label dev.driftless.instance=api-1"
            + " --label dev.driftless.managed=true"
            + " --label dev.driftless.service=api"
            + " --label 'dev.driftless.spec={\"image\":\"registry:5000/api:1.4.2\"}'"
            + " --env 'GREETING=hello world' --env LOG_LEVEL=info"
            + " --env-file .driftless/env/api-1.env"
            + " --publish 8080:8080 --publish 127.0.0.1:53:5353/udp --publish '[::1]:9000:9000'"
            + " --mount type=volume,source=api-data,target=/data"
            + " --mount type=bind,source=/etc/ssl/certs,target=/certs,readonly"
            + " --mount type=tmpfs,target=/tmp"
            + " --memory 536870912 --cpus 0.5 --ulimit nofile=4096:4096"
            + " --restart on-failure:3 --user app:1000 --network driftless --network-alias api --network-alias api-1"
            + " --health-cmd 'wget -q -O - http://localhost:8080/healthz'"
            + " --health-interval 5s --health-timeout 1500ms --health-retries 3 --health-start-period 10s"
            + " --entrypoint /bin/busybox registry:5000/api:1.4.2 httpd -f -p 8080");
    }

    @Test
    void runQuotesEveryValueFromTheRepoAsOneWord() {
        ContainerSpec spec = ContainerSpec.builder("evil-1", "img:1")
            .env("A", "$(touch /tmp/pwned)")
            .env("B", "x'; rm -rf ~; echo '")
            .label("note", "`id`\nline2")
            .args(List.of("; rm -rf ~", "\"q\""))
            .build();
        assertThat(DockerCommands.run(spec).render()).isEqualTo("docker run --detach --name evil-1"
            + " --label 'note=`id`\nline2'"
            + " --env 'A=$(touch /tmp/pwned)' --env 'B=x'\\''; rm -rf ~; echo '\\'''"
            + " --restart unless-stopped img:1 '; rm -rf ~' '\"q\"'");
    }

    @Test
    void aShellHealthCheckIsPassedAsWritten() {
        ContainerSpec spec = ContainerSpec.builder("w-1", "img:1")
            .health(new HealthCheck(new HealthCheck.Shell("test -f /tmp/ok || exit 1"), Duration.ofSeconds(2),
                Duration.ofSeconds(1), 1, Duration.ZERO))
            .build();
        assertThat(DockerCommands.run(spec).render()).contains(
            "--health-cmd 'test -f /tmp/ok || exit 1' --health-interval 2s --health-timeout 1s --health-retries 1"
                + " --health-start-period 0s");
    }

    @Test
    void argsWithoutEntrypointReplaceTheImageCommand() {
        assertThat(DockerCommands.run(ContainerSpec.builder("w-1", "img:1").args(List.of("sleep", "60")).build()).render())
            .isEqualTo("docker run --detach --name w-1 --restart unless-stopped img:1 sleep 60");
    }

    @Test
    void stopRoundsTheTimeoutUpToSeconds() {
        assertThat(DockerCommands.stop("api-1", Duration.ofSeconds(30)).render()).isEqualTo("docker stop --time 30 api-1");
        assertThat(DockerCommands.stop("api-1", Duration.ofMillis(1500)).render()).isEqualTo("docker stop --time 2 api-1");
    }

    @Test
    void aLoginReadsThePasswordFromStdinIntoAConfigOfItsOwnThatThePullUsesAndThatIsRemovedAfter() {
        assertThat(DockerCommands.login(".driftless/registry-auth", "registry:5000", "ci-bot").render())
            .isEqualTo("mkdir -p -m 0700 .driftless/registry-auth && docker --config .driftless/registry-auth login "
                + "--username=ci-bot --password-stdin registry:5000");
        assertThat(DockerCommands.login("d", "ghcr.io", "-rf $(id)").render())
            .as("a user name is one word, even one that looks like an option")
            .isEqualTo("mkdir -p -m 0700 d && docker --config d login '--username=-rf $(id)' --password-stdin ghcr.io");
        assertThat(DockerCommands.pull("registry:5000/shop/api:1.0.0", ".driftless/registry-auth").render())
            .isEqualTo("docker --config .driftless/registry-auth pull --quiet registry:5000/shop/api:1.0.0");
        assertThat(DockerCommands.forgetLogin(".driftless/registry-auth").render())
            .isEqualTo("rm -rf -- .driftless/registry-auth");
        assertThat(DockerCommands.registryAuthDir("prod")).as("one per environment")
            .isEqualTo(".driftless/registry-auth/prod");
    }

    @Test
    void restartKeepsTheContainerAndRoundsTheTimeoutUp() {
        assertThat(DockerCommands.restart("api-1", Duration.ofSeconds(10)).render())
            .isEqualTo("docker restart --time 10 api-1");
        assertThat(DockerCommands.restart("api $(x)", Duration.ofMillis(200)).render())
            .isEqualTo("docker restart --time 1 'api $(x)'");
    }

    @Test
    void start() {
        assertThat(DockerCommands.start("api-1").render()).isEqualTo("docker start api-1");
    }

    @Test
    void remove() {
        assertThat(DockerCommands.remove("api-1").render()).isEqualTo("docker rm --force api-1");
    }

    @Test
    void rename() {
        assertThat(DockerCommands.rename("api-1", "api-1-old").render()).isEqualTo("docker rename api-1 api-1-old");
    }

    @Test
    void inspect() {
        assertThat(DockerCommands.inspect("api-1").render()).isEqualTo("docker inspect --type container api-1");
    }

    @Test
    void logs() {
        assertThat(DockerCommands.logs("api-1", 100, false).render())
            .isEqualTo("docker logs --timestamps --tail 100 api-1");
        assertThat(DockerRuntime.INSTANCE.logs("api-1", 100).render())
            .as("driftless logs: the container's stderr joins its stdout").isEqualTo(
                "docker logs --timestamps --tail 100 api-1 2>&1");
        assertThat(DockerRuntime.INSTANCE.followLogs("api-1", 10).render())
            .as("driftless logs -f: followed until the SSH channel closes").isEqualTo(
                "sh -c " + dev.driftless.reconciler.command.ShellQuote.quote(
                    dev.driftless.reconciler.command.RemoteCommand.UNTIL_DISCONNECTED)
                    + " driftless-follow 'docker logs --timestamps --tail 10 --follow api-1 2>&1'");
        assertThatThrownBy(() -> DockerCommands.logs("api-1", 0, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void execRunsTheProbeArgvVerbatim() {
        assertThat(DockerCommands.exec("api-1", List.of("sh", "-c", "test -f /ready && echo $X")).render())
            .isEqualTo("docker exec api-1 sh -c 'test -f /ready && echo $X'");
    }

    @Test
    void aContainerOnSeveralNetworksIsCreatedOnTheFirstConnectedToTheOthersWithItsAliasesThenStarted() {
        ContainerSpec spec = ContainerSpec.builder("api-1-3f9a2c1b", "registry:5000/shop/api:1.1.0")
            .network("shop").alias("api").alias("api-1").connect("backend").connect("metrics").build();

        assertThat(DockerCommands.run(spec).render()).isEqualTo("docker create --name api-1-3f9a2c1b --restart"
            + " unless-stopped --network shop --network-alias api --network-alias api-1 registry:5000/shop/api:1.1.0"
            + " && docker network connect --alias api --alias api-1 backend api-1-3f9a2c1b"
            + " && docker network connect --alias api --alias api-1 metrics api-1-3f9a2c1b"
            + " && docker start api-1-3f9a2c1b > /dev/null");
        ContainerSpec job = ContainerSpec.builder("api-pre-deploy-3f9a2c1b", "registry:5000/shop/api:1.1.0")
            .command(List.of("/app/migrate")).restart(new RestartPolicy(RestartPolicy.Mode.NO, 0))
            .network("shop").connect("backend").build();
        assertThat(DockerCommands.runJob(job, Duration.ofSeconds(90)).render()).isEqualTo("{ docker create --name"
            + " api-pre-deploy-3f9a2c1b --network shop --entrypoint /app/migrate registry:5000/shop/api:1.1.0 > /dev/null"
            + " && docker network connect backend api-pre-deploy-3f9a2c1b"
            + " && timeout --kill-after=10s 90s docker start --attach api-pre-deploy-3f9a2c1b; } 2>&1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerSpec.builder("x-1", "img").connect("backend")
            .build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobRunsInTheForegroundUnderATimeoutAndIsRemovedWhenItExits() {
        ContainerSpec spec = ContainerSpec.builder("api-pre-deploy-3f9a2c1b", "registry:5000/shop/api:1.1.0")
            .command(List.of("/app/migrate", "--to", "it's; $(latest)"))
            .plainEnv(Map.of("MODE", "http"))
            .envFile(".driftless/env/api-pre-deploy-3f9a2c1b.env")
            .restart(new RestartPolicy(RestartPolicy.Mode.NO, 0))
            .network("shop")
            .label("dev.driftless.job", "pre-deploy")
            .build();

        assertThat(DockerCommands.runJob(spec, Duration.ofMinutes(5)).render()).isEqualTo(
            "timeout --kill-after=10s 300s docker run --rm --name api-pre-deploy-3f9a2c1b"
                + " --label dev.driftless.job=pre-deploy --env MODE=http"
                + " --env-file .driftless/env/api-pre-deploy-3f9a2c1b.env --network shop"
                + " --entrypoint /app/migrate registry:5000/shop/api:1.1.0 --to 'it'\\''s; $(latest)' 2>&1");
    }

    @Test
    void aJobStoppedAtItsTimeoutGetsTheServicesStopSignalAndGracePeriod() {
        ContainerSpec spec = ContainerSpec.builder("worker-pre-deploy-3f9a2c1b", "worker:1")
            .command(List.of("/app/migrate")).restart(new RestartPolicy(RestartPolicy.Mode.NO, 0))
            .stopSignal("SIGINT").stopTimeout(Duration.ofMinutes(2)).build();

        assertThat(DockerCommands.runJob(spec, Duration.ofMinutes(10)).render()).isEqualTo(
            "timeout --signal=SIGINT --kill-after=120s 600s docker run --rm --name worker-pre-deploy-3f9a2c1b"
                + " --stop-signal SIGINT --stop-timeout 120 --entrypoint /app/migrate worker:1 2>&1");
    }

    @Test
    void theStopSignalAndGracePeriodAreTheContainersOwnSoEveryStopHonoursThem() {
        ContainerSpec spec = ContainerSpec.builder("worker-1", "worker:1").stopSignal("SIGRTMIN+3")
            .stopTimeout(Duration.ofMinutes(2)).build();
        assertThat(DockerCommands.run(spec).render()).isEqualTo("docker run --detach --name worker-1 --restart"
            + " unless-stopped --stop-signal SIGRTMIN+3 --stop-timeout 120 worker:1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerSpec.builder("x-1", "img").stopSignal("-s")
            .build()).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerSpec.builder("x-1", "img")
            .stopTimeout(Duration.ofMillis(1500)).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRemovalStopsGracefullyBeforeItForcesTheRemoval() {
        assertThat(DockerCommands.stopAndRemove("worker-1", Duration.ofSeconds(45)).render())
            .isEqualTo("docker stop --time 45 worker-1 > /dev/null 2> /dev/null; docker rm --force worker-1");
    }

    @Test
    void theLogDriverAndItsOptionsFollowTheRestartPolicy() {
        ContainerSpec spec = ContainerSpec.builder("api-1", "api:1").logDriver("local").logOption("max-size", "10m")
            .logOption("max-file", "3").build();
        assertThat(DockerCommands.run(spec).render()).isEqualTo("docker run --detach --name api-1 --restart unless-stopped"
            + " --log-driver local --log-opt max-file=3 --log-opt max-size=10m api:1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerSpec.builder("x-1", "img").logDriver("--privileged")
            .build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aContainerWithFilesIsCreatedFilledFromStdinAndStartedInThreeCommands() {
        ContainerSpec spec = ContainerSpec.builder("api-1-3f9a2c1b", "registry:5000/shop/api:1.1.0").network("shop")
            .alias("api").connect("backend").env("MODE", "http").build();
        assertThat(DockerCommands.create(spec).render()).isEqualTo("docker create --name api-1-3f9a2c1b"
            + " --env MODE=http --restart unless-stopped --network shop --network-alias api registry:5000/shop/api:1.1.0"
            + " && docker network connect --alias api backend api-1-3f9a2c1b");
        assertThat(DockerCommands.copyInto("api-1-3f9a2c1b").render()).isEqualTo("docker cp --archive - api-1-3f9a2c1b:/");
        assertThat(DockerCommands.createJob(ContainerSpec.builder("api-pre-deploy-3f9a2c1b", "img:1").build()).render())
            .isEqualTo("docker create --name api-pre-deploy-3f9a2c1b img:1 > /dev/null");
        assertThat(DockerCommands.startJob("api-pre-deploy-3f9a2c1b", Duration.ofMillis(1500),
            dev.driftless.model.Stop.DEFAULT).render())
            .isEqualTo("timeout --kill-after=10s 2s docker start --attach api-pre-deploy-3f9a2c1b 2>&1");
        assertThat(DockerCommands.startJob("api-pre-deploy-3f9a2c1b", Duration.ofMinutes(1), new dev.driftless.model.Stop(
            Optional.of("SIGINT"), Optional.of(Duration.ofSeconds(45)))).render())
            .isEqualTo("timeout --signal=SIGINT --kill-after=45s 60s docker start --attach api-pre-deploy-3f9a2c1b 2>&1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DockerCommands.copyInto("x:/etc; id"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJobResultNeverPrintsWhatTheJobPrinted() {
        InstanceRuntime.JobResult r = new InstanceRuntime.JobResult(true, 3, false, "", "password=hunter2\n");

        assertThat(r.toString()).isEqualTo("JobResult[ran=true, exitCode=3, timedOut=false, adopted=false, output=17 chars]")
            .doesNotContain("hunter2");
        assertThat(r.exit()).isEqualTo("3");
    }

    @Test
    void createNetworkIsIdempotent() {
        assertThat(DockerCommands.createNetwork("driftless", "prod").render()).isEqualTo(
            "docker network inspect driftless > /dev/null 2> /dev/null"
                + " || docker network create --label dev.driftless.managed=true --label dev.driftless.environment=prod"
                + " driftless > /dev/null"
                + " || docker network inspect driftless > /dev/null 2> /dev/null");
        assertThatThrownBy(() -> DockerCommands.createNetwork("bad name", "prod"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUnusedNetworkIsRemovedOnlyWhenTheEnvironmentMadeItAndNothingIsAttached() {
        assertThat(DockerCommands.removeNetworkIfUnused("shop", "prod").render()).isEqualTo("sh -c 'n=$1; e=$2;"
            + " [ \"$(docker network inspect --format '\\''{{index .Labels \"dev.driftless.environment\"}}'\\'' \"$n\""
            + " 2>/dev/null)\" = \"$e\" ] || exit 0; [ -z \"$(docker ps --all --quiet --filter \"network=$n\")\" ] ||"
            + " exit 0; docker network rm \"$n\" >/dev/null && echo removed' driftless-network shop prod");
        assertThatThrownBy(() -> DockerCommands.removeNetworkIfUnused("$(x)", "prod"))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
