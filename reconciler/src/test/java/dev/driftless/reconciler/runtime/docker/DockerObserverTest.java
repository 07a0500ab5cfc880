package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.RuntimeListing;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DockerObserverTest {

    private final HostTarget host = HostTarget.of("app-1", "10.0.0.5", "deploy");
    private final DockerObserver observer = new DockerObserver();

    private static CommandResult result(int exit, String out, String err) {
        return new CommandResult(exit, out, err, Duration.ofMillis(5));
    }

    @Test
    void versionAndContainersAreRead() throws Exception {
        RuntimeListing listing = observer.interpret(host,
            result(0, "20.10.24+dfsg1\n" + DockerInspectParserTest.fixture("inspect-mixed.json"), ""));
        assertThat(listing.runtimeVersion()).isEqualTo("20.10.24+dfsg1");
        assertThat(listing.containers()).hasSize(3);
    }

    @Test
    void filesChangedOrDeletedInAContainerAreItsDriftAndTheirChecksAreNotReadAsJson() throws Exception {
        RuntimeListing plain = observer.interpret(host,
            result(0, "20.10.24+dfsg1\n" + DockerInspectParserTest.fixture("inspect-mixed.json"), ""));
        ObservedContainer first = plain.containers().getFirst();
        String checks = DockerCommands.FILES_CHECK_MARK + "\n@@files " + first.name() + "\nchanged /etc/api/a b.yaml\n"
            + "missing /run/secrets/db\n@@files gone-1-00000000\nmissing /etc/x\n";
        RuntimeListing listing = observer.interpret(host, result(0, "20.10.24+dfsg1\n"
            + DockerInspectParserTest.fixture("inspect-mixed.json") + "\n" + checks, ""));
        assertThat(listing.containers()).hasSize(3);
        assertThat(listing.containers().getFirst().drift()).contains(
            "file /etc/api/a b.yaml changed on the host; file /run/secrets/db deleted on the host");
        assertThat(listing.containers().subList(1, 3)).allSatisfy(c -> assertThat(c.drift()).isEmpty());
        assertThat(listing.containers().getFirst()).usingRecursiveComparison().ignoringFields("labels").isEqualTo(first);

        // No container at all: the check's mark right after the version line.
        assertThat(observer.interpret(host, result(0, "20.10.24\n" + DockerCommands.FILES_CHECK_MARK + "\n", ""))
            .containers()).isEmpty();
    }

    @Test
    void noManagedContainersIsAnEmptyListing() throws Exception {
        RuntimeListing listing = observer.interpret(host, result(0, "20.10.24+dfsg1\n", ""));
        assertThat(listing.containers()).isEmpty();
    }

    @Test
    void aContainerRemovedBetweenPsAndInspectIsSkipped() throws Exception {
        RuntimeListing listing = observer.interpret(host, result(123,
            "20.10.24\n" + DockerInspectParserTest.fixture("inspect-mixed.json"), "Error: No such object: 4f1e\n"));
        assertThat(listing.containers()).hasSize(3);
    }

    @Test
    void aUserOutsideTheDockerGroupIsATerminalHostError() {
        assertThatThrownBy(() -> observer.interpret(host, result(1, "\n",
            "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: "
                + "Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial unix /var/run/docker.sock: connect: permission denied\n")))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PERMISSION_DENIED);
                assertThat(e.failure().isTransient()).isFalse();
                assertThat(e.getMessage()).contains("app-1").contains("deploy").contains("docker group");
            });
    }

    @Test
    void aStoppedDockerIsATransientHostError() {
        assertThatThrownBy(() -> observer.interpret(host, result(1, "\n",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n")))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_UNAVAILABLE);
                assertThat(e.failure().isTransient()).isTrue();
                assertThat(e.getMessage()).startsWith("Docker is not running on host app-1");
            });
    }

    @Test
    void dockerDyingBetweenVersionAndPsIsStillAnError() {
        assertThatThrownBy(() -> observer.interpret(host, result(0, "20.10.24\n",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n")))
            .isInstanceOfSatisfying(HostException.class,
                e -> assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_UNAVAILABLE));
    }

    @Test
    void aMissingDockerIsReported() {
        assertThatThrownBy(() -> observer.interpret(host, result(127, "", "bash: line 1: docker: command not found\n")))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_MISSING);
                assertThat(e.getMessage()).contains("not installed on host app-1");
            });
    }

    @Test
    void unexpectedOutputIsAProtocolError() throws IOException {
        assertThatThrownBy(() -> observer.interpret(host, result(0, "20.10\nnot json", "")))
            .isInstanceOfSatisfying(HostException.class,
                e -> assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PROTOCOL));
        assertThatThrownBy(() -> observer.interpret(host, result(2, "", "xargs: something odd\n")))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PROTOCOL);
                assertThat(e.getMessage()).contains("xargs: something odd");
            });
        assertThatThrownBy(() -> observer.interpret(host, result(0, "", "")))
            .isInstanceOfSatisfying(HostException.class, e -> assertThat(e.getMessage()).contains("version"));
    }
}
