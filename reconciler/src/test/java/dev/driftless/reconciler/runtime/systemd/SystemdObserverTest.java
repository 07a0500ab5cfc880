package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Instance;
import dev.driftless.model.Runtime;
import dev.driftless.reconciler.observe.ContainerState;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.RuntimeListing;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.ssh.HostTarget;
import java.time.Duration;
import java.util.List;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemdObserverTest {

    static final HostTarget EDGE = HostTarget.of("edge-1", "10.0.0.5", "deploy");
    final SystemdObserver observer = new SystemdObserver();

    /** What the listing printed on a Debian 12 test host, with one of our units, a crashed one and a foreign one. */
    static String listing(String ourUnit) {
        return """
            @@scope user
            252.39-1~deb12u2
            @@unit UNIT.service
            OURS
            @@unit driftless-crashed-1-00000000.service
            [Service]
            ExecStart="/bin/false"
            [X-Driftless]
            dev.driftless.managed=true
            dev.driftless.environment=prod
            dev.driftless.service=crashed
            dev.driftless.instance=crashed-1
            dev.driftless.fingerprint=sha256:00000000aaaa

            @@unit driftless-homemade.service
            [Service]
            ExecStart=/usr/bin/sleep 1000

            @@show
            Result=success
            NRestarts=0
            ExecMainStartTimestamp=Sun 2026-11-22 04:46:25 UTC
            ExecMainExitTimestamp=
            ExecMainCode=0
            ExecMainStatus=0
            Id=UNIT.service
            LoadState=loaded
            ActiveState=active
            SubState=running
            UnitFileState=enabled

            Result=exit-code
            NRestarts=5
            ExecMainStartTimestamp=Sun 2026-11-22 04:46:32 UTC
            ExecMainExitTimestamp=Sun 2026-11-22 04:46:33 UTC
            ExecMainCode=1
            ExecMainStatus=3
            Id=driftless-crashed-1-00000000.service
            LoadState=loaded
            ActiveState=failed
            SubState=failed
            UnitFileState=enabled

            Id=driftless-homemade.service
            LoadState=loaded
            ActiveState=active
            SubState=running
            """.replace("OURS", ourUnit);
    }

    @Test
    void unitsWithDriftlessLabelsAreObservedLikeContainers() throws Exception {
        Instance i = SystemdUnitsTest.exporter();
        String unit = SystemdUnits.unitName(i);
        String file = SystemdUnits.render(i, "prod", "c0ffee", SystemdUnitsTest.AT);
        RuntimeListing l = observer.interpret(EDGE, new CommandResult(0,
            listing(file).replace("UNIT", unit), "", Duration.ZERO));
        assertThat(l.runtimeVersion()).isEqualTo("systemd 252.39-1~deb12u2");
        assertThat(l.containers()).extracting(ObservedContainer::name)
            .containsExactly(unit, "driftless-crashed-1-00000000");

        ObservedContainer running = l.containers().getFirst();
        assertThat(running.runtime()).isEqualTo(Runtime.SYSTEMD);
        assertThat(running.id()).isEqualTo(unit + ".service");
        assertThat(running.environment()).contains("prod");
        assertThat(running.service()).contains("exporter");
        assertThat(running.instance()).contains("exporter-1");
        assertThat(running.fingerprint()).contains(i.fingerprint());
        assertThat(running.commit()).contains("c0ffee");
        assertThat(running.spec()).isEqualTo(i.inputs().values());
        assertThat(running.deployedAt()).contains(Instant.parse("2026-11-22T10:15:30Z"));
        assertThat(running.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(running.startedAt()).contains(Instant.parse("2026-11-22T04:46:25Z"));
        assertThat(running.imageRef()).isEmpty();
        assertThat(running.version()).isEqualTo(i.shortFingerprint().substring(0, 8));
        assertThat(running.noun()).isEqualTo("unit");

        ObservedContainer crashed = l.containers().get(1);
        assertThat(crashed.state()).isEqualTo(ContainerState.EXITED);
        assertThat(crashed.exitCode()).isEqualTo(3);
        assertThat(crashed.restartCount()).isEqualTo(5);
        assertThat(crashed.finishedAt()).contains(Instant.parse("2026-11-22T04:46:33Z"));
        assertThat(crashed.version()).isEqualTo("00000000");
    }

    @Test
    void aUnitFileEditedByHandIsMarkedAsDrift() throws Exception {
        Instance i = SystemdUnitsTest.exporter();
        String unit = SystemdUnits.unitName(i);
        String file = SystemdUnits.render(i, "prod", "c0ffee", SystemdUnitsTest.AT);
        ObservedContainer intact = observer.interpret(EDGE, new CommandResult(0, listing(file).replace("UNIT", unit), "",
            Duration.ZERO)).containers().getFirst();
        assertThat(intact.drift()).isEmpty();
        ObservedContainer edited = observer.interpret(EDGE, new CommandResult(0, listing(file.replace("MemoryMax=",
            "MemoryMax=1")).replace("UNIT", unit), "", Duration.ZERO)).containers().getFirst();
        assertThat(edited.drift()).contains("unit file edited on the host");
        assertThat(edited.fingerprint()).contains(i.fingerprint());
    }

    @Test
    void filesOfAUnitsDirectoryChangedOrDeletedOnTheHostAreDriftAndTheChecksAreNotPartOfTheUnitFile()
            throws Exception {
        Instance i = SystemdUnitsTest.exporter();
        String unit = SystemdUnits.unitName(i);
        String file = SystemdUnits.render(i, "prod", "c0ffee", SystemdUnitsTest.AT);
        String checks = "@@files UNIT.service\nchanged web.yml\nmissing tls/key pem\nchanged a b.conf\n"
            + "@@files driftless-crashed-1-00000000.service\n@@show\n";
        List<ObservedContainer> seen = observer.interpret(EDGE, new CommandResult(0, listing(file)
            .replace("@@show\n", checks).replace("UNIT", unit), "", Duration.ZERO)).containers();
        assertThat(seen.getFirst().drift()).contains("files web.yml, a b.conf changed on the host; file tls/key pem"
            + " deleted on the host");
        assertThat(seen.getFirst().fingerprint()).contains(i.fingerprint());
        assertThat(seen.get(1).drift()).as("its files are as written").isEmpty();
        // The unit file itself is intact: the check's lines are not read as part of it.
        ObservedContainer edited = observer.interpret(EDGE, new CommandResult(0, listing(file.replace("MemoryMax=",
            "MemoryMax=1")).replace("@@show\n", checks).replace("UNIT", unit), "", Duration.ZERO)).containers()
            .getFirst();
        assertThat(edited.drift()).contains("unit file edited on the host; files web.yml, a b.conf changed on the"
            + " host; file tls/key pem deleted on the host");
    }

    @Test
    void anOverrideMadeOnTheHostIsDriftButTheHostsPolicyForEveryServiceIsNot() throws Exception {
        Instance i = SystemdUnitsTest.exporter();
        String unit = SystemdUnits.unitName(i);
        String file = SystemdUnits.render(i, "prod", "c0ffee", SystemdUnitsTest.AT);
        String home = "/home/deploy/.config/systemd/";
        String policy = "DropInPaths=/usr/lib/systemd/user/service.d/10-timeout-abort.conf"
            + " /run/user/1000/systemd/user/" + unit + ".service.d/50-runtime.conf";
        ObservedContainer hostPolicy = observer.interpret(EDGE, new CommandResult(0, listing(file)
            .replace("Id=UNIT.service\n", "Id=UNIT.service\n" + policy + "\n").replace("UNIT", unit), "",
            Duration.ZERO)).containers().getFirst();
        assertThat(hostPolicy.drift()).isEmpty();

        String edited = "DropInPaths=" + home + "user/" + unit + ".service.d/override.conf " + home + "user.control/"
            + unit + ".service.d/50-MemoryMax.conf /usr/lib/systemd/user/service.d/10-timeout-abort.conf";
        ObservedContainer overridden = observer.interpret(EDGE, new CommandResult(0, listing(file)
            .replace("Id=UNIT.service\n", "Id=UNIT.service\n" + edited + "\n").replace("UNIT", unit), "",
            Duration.ZERO)).containers().getFirst();
        assertThat(overridden.drift()).contains("drop-in override.conf, 50-MemoryMax.conf added on the host");
        assertThat(overridden.fingerprint()).contains(i.fingerprint());
    }

    @Test
    void aSystemUnitsOverridesAreFoundUnderEtc() {
        String unit = "driftless-exporter-1-3f9a2c1b";
        assertThat(SystemdUnits.ownDropIns(SystemdUnits.Scope.SYSTEM, unit, "/etc/systemd/system/" + unit
            + ".service.d/override.conf /etc/systemd/system/service.d/x.conf /etc/systemd/system.control/" + unit
            + ".service.d/50-CPUQuota.conf /etc/systemd/system/" + unit + "-b.service.d/y.conf"))
            .containsExactly("override.conf", "50-CPUQuota.conf");
        assertThat(SystemdUnits.ownDropIns(SystemdUnits.Scope.SYSTEM, unit, "")).isEmpty();
        assertThat(SystemdUnits.dropInDirs(SystemdUnits.Scope.USER, unit)).containsExactly(
            ".config/systemd/user/" + unit + ".service.d", ".config/systemd/user.control/" + unit + ".service.d");
    }

    @Test
    void aHostWithoutUnitFilesAnswersWithNothing() throws Exception {
        RuntimeListing l = observer.interpret(EDGE, new CommandResult(0, "", "", Duration.ZERO));
        assertThat(l.containers()).isEmpty();
        assertThat(l.runtimeVersion()).isEmpty();
    }

    @Test
    void unitStatesMapOntoContainerStates() {
        assertThat(SystemdObserver.state(Map.of("LoadState", "loaded", "ActiveState", "activating",
            "SubState", "auto-restart"))).isEqualTo(ContainerState.RESTARTING);
        assertThat(SystemdObserver.state(Map.of("LoadState", "loaded", "ActiveState", "activating",
            "SubState", "start"))).isEqualTo(ContainerState.RUNNING);
        assertThat(SystemdObserver.state(Map.of("LoadState", "loaded", "ActiveState", "inactive",
            "ExecMainStartTimestamp", ""))).isEqualTo(ContainerState.EXITED);
        assertThat(SystemdObserver.state(Map.of("LoadState", "loaded", "ActiveState", "inactive",
            "ExecMainStartTimestamp", "Sun 2026-11-22 04:46:32 UTC"))).isEqualTo(ContainerState.EXITED);
        assertThat(SystemdObserver.state(Map.of("LoadState", "not-found", "ActiveState", "inactive")))
            .isEqualTo(ContainerState.CREATED);
        assertThat(SystemdObserver.gateStatus(Map.of("LoadState", "not-found"))).isEqualTo("missing");
        assertThat(SystemdObserver.gateStatus(Map.of("LoadState", "loaded", "ActiveState", "failed",
            "ExecMainStartTimestamp", "Sun 2026-11-22 04:46:32 UTC"))).isEqualTo("exited");
        assertThat(SystemdObserver.gateStatus(Map.of("LoadState", "loaded", "ActiveState", "activating",
            "SubState", "auto-restart"))).isEqualTo("restarting");
    }

    @Test
    void aUserManagerThatDoesNotRunIsReportedWithTheFix() {
        assertThatThrownBy(() -> observer.interpret(EDGE, new CommandResult(1, "",
                "Failed to connect to bus: No medium found\n", Duration.ZERO)))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_UNAVAILABLE);
                assertThat(e.getMessage()).isEqualTo("the systemd user manager of deploy is not running on host"
                    + " edge-1 (Failed to connect to bus: No medium found): let it run without a login with:"
                    + " loginctl enable-linger deploy");
            });
        assertThatThrownBy(() -> observer.interpret(EDGE, new CommandResult(127, "",
                "sh: 1: systemctl: not found", Duration.ZERO)))
            .isInstanceOfSatisfying(HostException.class, e ->
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_MISSING));
        assertThatThrownBy(() -> observer.interpret(EDGE, new CommandResult(0,
                "@@scope user\n252\n@@unit x.service\n", "", Duration.ZERO)))
            .isInstanceOfSatisfying(HostException.class, e ->
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_PROTOCOL));
    }

    @Test
    void systemUnitsAreListedAfterTheUsersAndMarkedByWhereTheirFileIsNotByWhatItSays() throws Exception {
        Instance user = SystemdUnitsTest.exporter();
        Instance system = SystemdUnitsTest.exporterAs("prometheus");
        String userUnit = SystemdUnits.unitName(user);
        String systemUnit = SystemdUnits.unitName(system);
        // A user unit whose file claims to be a system unit is still the user's.
        String forged = SystemdUnits.render(user, "prod", "c0ffee", SystemdUnitsTest.AT)
            + SystemdUnits.SCOPE_LABEL + "=system\n";
        String listing = "@@scope user\n252.39-1~deb12u2\n@@unit " + userUnit + ".service\n" + forged
            + "@@show\nId=" + userUnit + ".service\nLoadState=loaded\nActiveState=active\nSubState=running\n"
            + "@@scope system\n252.39-1~deb12u2\n@@unit " + systemUnit + ".service\n"
            + SystemdUnits.render(system, "prod", "c0ffee", SystemdUnitsTest.AT)
            + "@@show\nId=" + systemUnit + ".service\nLoadState=loaded\nActiveState=failed\nSubState=failed\n"
            + "ExecMainStatus=217\n";

        RuntimeListing l = observer.interpret(EDGE, new CommandResult(0, listing, "", Duration.ZERO));

        assertThat(l.containers()).extracting(ObservedContainer::name).containsExactly(userUnit, systemUnit);
        ObservedContainer u = l.containers().getFirst();
        ObservedContainer sys = l.containers().get(1);
        assertThat(SystemdUnits.scopeOf(u.labels())).isEqualTo(SystemdUnits.Scope.USER);
        assertThat(SystemdUnits.scopeOf(sys.labels())).isEqualTo(SystemdUnits.Scope.SYSTEM);
        assertThat(dev.driftless.reconciler.runtime.InstanceRuntime.of(u)).isSameAs(SystemdRuntime.USER);
        assertThat(dev.driftless.reconciler.runtime.InstanceRuntime.of(sys)).isSameAs(SystemdRuntime.SYSTEM);
        assertThat(sys.state()).isEqualTo(ContainerState.EXITED);
        assertThat(sys.exitCode()).isEqualTo(217);
        assertThat(sys.fingerprint()).contains(system.fingerprint());
    }

    @Test
    void aSystemManagerThatCannotBeReadIsToldApartFromTheUsers() {
        assertThatThrownBy(() -> observer.interpret(EDGE, new CommandResult(1, "@@scope system\n",
                "Failed to connect to bus: No such file or directory\n", Duration.ZERO)))
            .isInstanceOfSatisfying(HostException.class, e -> {
                assertThat(e.kind()).isEqualTo(HostFailure.Kind.RUNTIME_UNAVAILABLE);
                assertThat(e.getMessage()).isEqualTo("user deploy cannot read the state of the system units of host"
                    + " edge-1 (Failed to connect to bus: No such file or directory): systemctl needs D-Bus there"
                    + " (the dbus package)");
            });
    }
}
