package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Host;
import dev.driftless.model.Instance;
import dev.driftless.model.Resources;
import dev.driftless.model.RestartPolicy;
import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.model.Stop;
import dev.driftless.reconciler.runtime.docker.ContainerLabels;
import dev.driftless.reconciler.runtime.docker.SpecLabel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SystemdUnitsTest {

    static final Host HOST = SystemdFixture.host("edge-1", 22);
    static final Instant AT = Instant.parse("2026-11-22T10:15:30.123Z");

    static Instance exporter() {
        return exporterWith(b -> b);
    }

    /** The exporter run as {@code user}: a system unit. */
    static Instance exporterAs(String user) {
        return exporterWith(b -> b.user(user));
    }

    private static Instance exporterWith(java.util.function.UnaryOperator<Service.Builder> more) {
        Service s = SystemdFixture.service("exporter", "edge-1", b -> more.apply(b)
            .command(List.of("/usr/local/bin/node_exporter"))
            .args(List.of("--web.listen-address=:9100", "--label=$HOME 100%", ";"))
            .env("LOG_LEVEL", "info")
            .env("GREETING", "say \"hi\"")
            .secret("API_TOKEN", SecretRef.parse("secrets/edge.yaml#exporter.token"))
            .resources(new Resources(Optional.of(64L << 20), Optional.of(0.25), Optional.of(4096L)))
            .restart(RestartPolicy.ON_FAILURE));
        return SystemdFixture.instance(HOST, s);
    }

    @Test
    void aUnitIsNamedAfterItsInstanceAndFingerprintAndItsFilesLiveInTheUsersHome() {
        Instance i = exporter();
        String unit = SystemdUnits.unitName(i);
        assertThat(unit).isEqualTo("driftless-exporter-1-" + i.shortFingerprint().substring(0, 8));
        assertThat(SystemdUnits.unitPath(SystemdUnits.Scope.USER, unit)).isEqualTo(".config/systemd/user/" + unit + ".service");
        assertThat(SystemdUnits.unitPath(SystemdUnits.Scope.USER, unit + ".service")).isEqualTo(".config/systemd/user/" + unit + ".service");
        assertThat(SystemdUnits.envFilePath(SystemdUnits.Scope.USER, unit)).isEqualTo(".driftless/units/" + unit + ".env");
        assertThat(SystemdUnits.withoutSuffix(unit + ".service")).isEqualTo(unit);
    }

    @Test
    void namesThatAreNotOursAreRefusedBeforeTheyReachAPath() {
        assertThat(SystemdUnits.isUnitName("driftless-api-1-0123abcd")).isTrue();
        for (String bad : List.of("sshd", "driftless-../x", "driftless-a b", "driftless-a/b", "-driftless-x")) {
            assertThat(SystemdUnits.isUnitName(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> SystemdUnits.unitPath(SystemdUnits.Scope.USER, bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theUnitFileRunsTheCommandWithItsEnvironmentLimitsAndLabels() {
        Instance i = exporter();
        String unit = SystemdUnits.unitName(i);
        String file = SystemdUnits.render(i, "prod", "c0ffee", AT);
        assertThat(file).isEqualTo("""
            # Managed by driftless: changes made here are drift and are replaced.
            [Unit]
            Description=driftless prod exporter-1 (service exporter)

            [Service]
            Type=exec
            ExecStart="/usr/local/bin/node_exporter" "--web.listen-address=:9100" "--label=$$HOME 100%%" \\;
            Environment="GREETING=say \\"hi\\""
            Environment="LOG_LEVEL=info"
            EnvironmentFile=%h/.driftless/units/UNIT.env
            Restart=on-failure
            RestartSec=1s
            TimeoutStopSec=10s
            MemoryMax=67108864
            CPUQuota=25%
            LimitNOFILE=4096

            [Install]
            WantedBy=default.target

            [X-Driftless]
            dev.driftless.managed=true
            dev.driftless.environment=prod
            dev.driftless.service=exporter
            dev.driftless.instance=exporter-1
            dev.driftless.fingerprint=FP
            dev.driftless.commit=c0ffee
            dev.driftless.deployed-at=2026-11-22T10:15:30Z
            dev.driftless.spec=SPEC
            dev.driftless.unit-digest=DIGEST
            """.replace("DIGEST", SystemdUnits.labels(file).get(SystemdUnits.DIGEST)).replace("UNIT", unit).replace("FP", i.fingerprint())
            .replace("SPEC", SpecLabel.encode(i.inputs().values())));
    }

    @Test
    void theServicesStopSignalAndGracePeriodAreTheUnitsKillSignalAndStopTimeout() {
        String unit = SystemdUnits.render(exporterWith(b -> b.stop(new Stop(Optional.of("SIGINT"),
            Optional.of(Duration.ofMinutes(2))))), "prod", "c0ffee", AT);
        assertThat(unit).contains("RestartSec=1s\nKillSignal=SIGINT\nTimeoutStopSec=120s\n");
        assertThat(SystemdUnits.render(exporter(), "prod", "c0ffee", AT)).as("unchanged for services without stop")
            .contains("RestartSec=1s\nTimeoutStopSec=10s\n").doesNotContain("KillSignal");
    }

    @Test
    void theLabelsReadBackAreTheOnesWritten() {
        Instance i = exporter();
        Map<String, String> labels = SystemdUnits.labels(SystemdUnits.render(i, "prod", "c0ffee", AT));
        assertThat(labels).containsEntry(ContainerLabels.MANAGED, "true")
            .containsEntry(ContainerLabels.INSTANCE, "exporter-1")
            .containsEntry(ContainerLabels.FINGERPRINT, i.fingerprint());
        assertThat(SpecLabel.decode(labels.get(ContainerLabels.SPEC))).isEqualTo(i.inputs().values());
    }

    @Test
    void aUnitFileChangedAboveItsLabelsIsSeenAsEdited() {
        String file = SystemdUnits.render(exporter(), "prod", "c0ffee", AT);
        assertThat(SystemdUnits.labels(file).get(SystemdUnits.DIGEST)).matches("sha256:[0-9a-f]{64}");
        assertThat(SystemdUnits.edited(file)).isFalse();
        assertThat(SystemdUnits.edited(file + "\n\n")).as("as cat prints it, blank lines after").isFalse();
        assertThat(SystemdUnits.edited(file.replace("LimitNOFILE=4096", "LimitNOFILE=65536"))).isTrue();
        assertThat(SystemdUnits.edited(file.replace("[Install]", "[Install]\nAlias=x.service"))).isTrue();
        assertThat(SystemdUnits.edited(file.replace("dev.driftless.commit=c0ffee", "dev.driftless.commit=beef")))
            .as("the labels are not part of what runs").isFalse();
        assertThat(SystemdUnits.edited("[Service]\nExecStart=/bin/true\n[X-Driftless]\ndev.driftless.managed=true\n"))
            .as("no digest: nothing to compare").isFalse();
    }

    @Test
    void onlyTheDriftlessSectionCountsAsLabels() {
        assertThat(SystemdUnits.labels("""
            [Service]
            dev.driftless.managed=true
            ExecStart=/bin/true
            """)).isEmpty();
        assertThat(SystemdUnits.labels("[X-Driftless]\n# a comment\ndev.driftless.service = api \n"))
            .containsExactly(Map.entry("dev.driftless.service", "api"));
    }

    @Test
    void restartPoliciesAndCpuSharesMapOntoSystemdSettings() {
        assertThat(SystemdUnits.cpuQuota(0.5)).isEqualTo("50%");
        assertThat(SystemdUnits.cpuQuota(2)).isEqualTo("200%");
        assertThat(SystemdUnits.cpuQuota(0.001)).isEqualTo("1%");
        assertThat(SystemdUnits.cpuQuota(0.125)).isEqualTo("13%");
        for (RestartPolicy p : RestartPolicy.values()) {
            Instance i = SystemdFixture.instance(HOST, SystemdFixture.service("s", "edge-1", b -> b
                .command(List.of("/bin/true")).restart(p)));
            String expected = switch (p) {
                case NO -> "Restart=no";
                case ON_FAILURE -> "Restart=on-failure";
                case ALWAYS, UNLESS_STOPPED -> "Restart=always";
            };
            assertThat(SystemdUnits.render(i, "prod", "c", AT)).contains("\n" + expected + "\n")
                .doesNotContain("EnvironmentFile").doesNotContain("MemoryMax");
        }
    }

    @Test
    void aServiceWithAUserIsASystemUnitUnderEtcWithUserGroupAndRootOwnedSecrets() {
        Instance i = exporterAs("prometheus:nogroup");
        String unit = SystemdUnits.unitName(i);
        assertThat(SystemdUnits.scopeOf(i)).isEqualTo(SystemdUnits.Scope.SYSTEM);
        assertThat(SystemdUnits.scopeOf(exporter())).isEqualTo(SystemdUnits.Scope.USER);
        assertThat(unit).as("the user is in the fingerprint").isNotEqualTo(SystemdUnits.unitName(exporter()));
        assertThat(SystemdUnits.unitPath(SystemdUnits.Scope.SYSTEM, unit))
            .isEqualTo("/etc/systemd/system/" + unit + ".service");
        assertThat(SystemdUnits.envFilePath(SystemdUnits.Scope.SYSTEM, unit))
            .isEqualTo("/etc/driftless/units/" + unit + ".env");
        String file = SystemdUnits.render(i, "prod", "c0ffee", AT);
        assertThat(file).contains("\nType=exec\nUser=prometheus\nGroup=nogroup\nExecStart=")
            .contains("\nEnvironmentFile=/etc/driftless/units/" + unit + ".env\n")
            .contains("\n[Install]\nWantedBy=multi-user.target\n")
            .doesNotContain("%h");
        assertThat(SystemdUnits.render(exporterAs("1000"), "prod", "c0ffee", AT)).contains("\nUser=1000\nExecStart=")
            .doesNotContain("Group=");
    }

    @Test
    void aServiceWithFilesRunsInItsInstancesOwnFilesDirectory() {
        java.util.function.Function<String, Instance> withFiles = user -> SystemdFixture.instance(HOST,
            SystemdFixture.service("exporter", "edge-1", b -> {
                b.command(List.of("/usr/bin/exporter")).file(new dev.driftless.model.ServiceFile("web.yml",
                    new dev.driftless.model.ServiceFile.Plain("", new byte[] {'x'}), 0444, 0, 0,
                    dev.driftless.model.SourceLocation.of("services/exporter.yaml")));
                if (!user.isEmpty()) {
                    b.user(user);
                }
                return b;
            }));
        Instance user = withFiles.apply("");
        Instance system = withFiles.apply("prometheus");
        String userUnit = SystemdUnits.unitName(user);
        String systemUnit = SystemdUnits.unitName(system);

        assertThat(SystemdUnits.filesDir(SystemdUnits.Scope.USER, userUnit)).isEqualTo(".driftless/files/" + userUnit);
        assertThat(SystemdUnits.filesDir(SystemdUnits.Scope.SYSTEM, systemUnit + ".service"))
            .isEqualTo("/etc/driftless-files/" + systemUnit);
        assertThat(SystemdUnits.render(user, "prod", "c", AT))
            .contains("\nWorkingDirectory=%h/.driftless/files/" + userUnit + "\n");
        assertThat(SystemdUnits.render(system, "prod", "c", AT))
            .contains("\nWorkingDirectory=/etc/driftless-files/" + systemUnit + "\n");
        assertThat(SystemdUnits.render(exporter(), "prod", "c", AT)).doesNotContain("WorkingDirectory");
    }
}
