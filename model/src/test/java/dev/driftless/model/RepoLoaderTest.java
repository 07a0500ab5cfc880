package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepoLoaderTest {

    @TempDir
    Path dir;

    private TestRepo given;

    @BeforeEach
    void standardHostsAndOneSecretsFile() {
        given = TestRepo.withHosts(dir).file("secrets/app.yaml", TestRepo.SECRETS);
    }

    @Test
    void exampleRepoLoadsIntoHostsServicesAndInstances() {
        Repo repo = TestRepo.ok(RepoLoader.load(new DirectoryTree(TestRepo.EXAMPLE), Optional.empty()));

        assertThat(repo.environment()).isEqualTo("default");
        assertThat(repo.hosts()).containsOnlyKeys("app-1", "app-2", "db-1");
        assertThat(repo.services()).containsOnlyKeys("api", "store", "worker");
        Host app1 = repo.hosts().get("app-1");
        assertThat(app1).isEqualTo(new Host("app-1", "10.0.1.11", 22, "deploy", new java.util.TreeMap<>(Map.of("role", "app",
            "zone", "a")), Optional.empty(), Runtime.DOCKER, new SourceLocation("hosts.yaml", 10, 3)));
        Service api = repo.services().get("api");
        assertThat(api.image()).contains("registry:5000/shop/api:1.0.0");
        assertThat(api.secrets()).containsEntry("DB_PASSWORD", SecretRef.parse("secrets/shop.yaml#db.password"));
        assertThat(api.health().orElseThrow().probe()).isEqualTo(new HttpProbe(8080, "/healthz"));
        assertThat(api.rollout()).isEqualTo(new Rollout(1, RolloutOrder.START_FIRST, true, java.util.Optional.empty(),
            java.util.OptionalInt.of(50)));
        assertThat(api.resources()).isEqualTo(new Resources(Optional.of(128L << 20), Optional.of(0.5), Optional.of(4096L)));
        assertThat(api.source()).isEqualTo(new SourceLocation("services/api.yaml", 4, 1));
        assertThat(repo.services().get("store").volumes()).containsExactly(new VolumeMount("store-data", "/data", false));
        assertThat(repo.resolve(SecretFingerprints.unresolved()).instances()).extracting(Instance::id).containsExactly(
            "api/app-1/1", "api/app-2/1", "store/db-1/1", "worker/app-1/1", "worker/app-2/1");
    }

    @Test
    void everyProblemIsReportedAtOnceSortedByFileAndPosition() {
        given.file("hosts.yaml", TestRepo.HOSTS.replace("10.0.0.12", "10.0.0.999"))
            .file("services/api.yaml", """
                image: registry:5000/api:1
                placement: {selector: {role: app}, replicas: many}
                health: {http: {port: 8080}, interval: soon}
                """)
            .file("services/store.yaml", """
                image: registry:5000/store
                placement: {hosts: [db-9]}
                after: [nothing]
                """);

        assertThat(TestRepo.lines(given.load())).containsExactly(
            "hosts.yaml:5:20: hosts.app-2.address \"10.0.0.999\" is not an IP address or DNS name",
            "services/api.yaml:2:46: placement.replicas must be a whole number, got \"many\"",
            "services/api.yaml:3:40: health.interval: bad duration \"soon\": write a number and a unit (h, m, s, ms), e.g. 500ms, 2s, 1m30s",
            "services/store.yaml:1:8: image \"registry:5000/store\" has no tag: write the version to run, e.g. "
                + "registry:5000/store:1.0.0 (an implicit :latest would change without a commit)",
            "services/store.yaml:2:21: placement.hosts: hosts.yaml has no host \"db-9\" (did you mean \"db-1\"?)",
            "services/store.yaml:3:9: after names unknown service \"nothing\"");
    }

    @Test
    void omittedFieldsTakeTheDocumentedDefaults() {
        Repo repo = given.file("services/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\n").repo();

        Service api = repo.services().get("api");
        assertThat(api.runtime()).isEqualTo(Runtime.DOCKER);
        assertThat(api.restart()).isEqualTo(RestartPolicy.UNLESS_STOPPED);
        assertThat(api.rollout()).isEqualTo(new Rollout(1, RolloutOrder.STOP_FIRST, true));
        assertThat(api.placement()).isEqualTo(new Placement(List.of("app-1"), new java.util.TreeMap<>(), 1));
        assertThat(api.health()).isEmpty();
        assertThat(api.resources()).isEqualTo(Resources.NONE);
        assertThat(api.command()).isEmpty();
        assertThat(api.env()).isEmpty();
        assertThat(repo.hosts().get("app-1").port()).isEqualTo(22);
        assertThat(repo.hosts().get("app-1").user()).isEqualTo("deploy");
    }

    @Test
    void healthCheckDefaults() {
        Repo repo = given.file("services/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\nhealth: {http: {port: 80}}\n").repo();

        assertThat(repo.services().get("api").health()).contains(new HealthCheck(new HttpProbe(80, "/"), Duration.ofSeconds(2),
            Duration.ofSeconds(60), Duration.ofSeconds(2), 1, 3));
    }

    @Test
    void everyProbeKindReads() {
        Repo repo = given
            .file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nhealth: {tcp: {port: 5432}, interval: 500ms,"
                + " timeout: 1m, probe-timeout: 1s, success-threshold: 2, failure-threshold: 5}\n")
            .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nhealth: {command: [pg_isready, -q]}\n")
            .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-1]}\nhealth: {docker: true}\n")
            .repo();

        assertThat(repo.services().get("a").health()).contains(new HealthCheck(new TcpProbe(5432), Duration.ofMillis(500),
            Duration.ofMinutes(1), Duration.ofSeconds(1), 2, 5));
        assertThat(repo.services().get("b").health().orElseThrow().probe()).isEqualTo(new CommandProbe(List.of("pg_isready", "-q")));
        assertThat(repo.services().get("c").health().orElseThrow().probe()).isEqualTo(new DockerProbe());
    }

    @Test
    void longFormPortsAndVolumesRead() {
        Repo repo = given.file("services/api.yaml", """
            image: app:1
            placement: {hosts: [app-1]}
            ports:
              - {container: 8080, host: 80, ip: 127.0.0.1}
              - {container: 53, protocol: udp}
            volumes:
              - {source: /srv/conf, target: /etc/app, read-only: true}
            """).repo();

        Service api = repo.services().get("api");
        assertThat(api.ports()).containsExactly(new PortMapping(Optional.of("127.0.0.1"), 80, 8080, "tcp"),
            new PortMapping(Optional.empty(), 0, 53, "udp"));
        assertThat(api.volumes()).containsExactly(new VolumeMount("/srv/conf", "/etc/app", true));
    }

    @Test
    void environmentValuesKeepTheirTextAsWritten() {
        Repo repo = given.file("services/api.yaml", """
            image: app:1
            placement: {hosts: [app-1]}
            env: {PORT: 08080, DEBUG: yes, RATIO: 1.50, COUNTRY: NO, EMPTY: ""}
            """).repo();

        assertThat(repo.services().get("api").env()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(
            "COUNTRY", "NO", "DEBUG", "yes", "EMPTY", "", "PORT", "08080", "RATIO", "1.50")));
    }

    @Test
    void aServiceFileMayNameItselfAndMayUseYml() {
        Repo repo = given.file("services/api.yml", "name: api\nimage: app:1\nplacement: {hosts: [app-1]}\n").repo();

        assertThat(repo.services().get("api").source().file()).isEqualTo("services/api.yml");
    }

    @Test
    void documentationAndDotFilesInServicesAreIgnoredButStrayFilesAndFoldersAreNot() {
        given.file("services/README.md", "# services\n").file("services/.gitkeep", "")
            .file("services/api.yaml.bak", "x").file("services/old/api.yaml", "x");

        assertThat(TestRepo.lines(given.load())).containsExactly(
            "services/api.yaml.bak:0:0: not a service file: services/ holds one <service>.yaml file per service",
            "services/old:0:0: is a directory; services/ holds one <service>.yaml file per service and does not read subdirectories");
    }

    @Test
    void anEmptyServicesDirectoryIsAValidRepo() {
        Repo repo = given.repo();
        assertThat(repo.services()).isEmpty();
        assertThat(repo.resolve(SecretFingerprints.unresolved()).instances()).isEmpty();
    }

    @Test
    void aMissingRepoDirectoryIsAProblemNotAnException() {
        LoadResult result = RepoLoader.load(new DirectoryTree(dir.resolve("nope")), Optional.empty());
        assertThat(TestRepo.lines(result)).singleElement().asString().startsWith(".:0:0: cannot read ");
    }

    @Test
    void symbolicLinksAreReportedNotFollowed() throws Exception {
        given.file("elsewhere/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\n");
        Files.createDirectories(dir.resolve("services"));
        Files.createSymbolicLink(dir.resolve("services/api.yaml"), dir.resolve("elsewhere/api.yaml"));

        assertThat(TestRepo.lines(given.load())).containsExactly(
            "services/api.yaml:0:0: is a symbolic link; driftless reads files as committed and does not follow links");
    }

    @Test
    void choosingAnEnvironmentInARepoWithoutEnvironmentsIsAProblem() {
        assertThat(TestRepo.lines(given.load("prod"))).containsExactly("environments:0:0: this repo has no environments/"
            + " directory, so no environment \"prod\"; load it without choosing an environment");
    }

    @Nested
    class Cascades {

        @Test
        void anUnreadableHostsFileDoesNotAlsoMakeEveryPlacementWrong() {
            given.file("hosts.yaml", "hosts: [app-1]\n")
                .file("services/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\n")
                .file("services/web.yaml", "image: app:1\nplacement: {selector: {role: web}}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "hosts.yaml:1:8: hosts must be a mapping of \"key: value\" lines, not a list");
        }

        @Test
        void aBrokenHostIsStillAKnownHost() {
            given.file("hosts.yaml", TestRepo.HOSTS.replace("10.0.0.21", "not an address"))
                .file("services/db.yaml", "image: db:1\nplacement: {hosts: [db-1]}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "hosts.yaml:6:19: hosts.db-1.address \"not an address\" is not an IP address or DNS name");
        }

        @Test
        void aBrokenServiceIsStillAKnownServiceForAfter() {
            given.file("services/api.yaml", "image: app:1\nplacement: {hosts: [app-1]}\nafter: [db]\n")
                .file("services/db.yaml", "image: [db]\nplacement: {hosts: [db-1]}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/db.yaml:1:8: image must be a single value, not a list");
        }

        @Test
        void aMisspelledRequiredFieldIsReportedOnceAsMisspelled() {
            given.file("services/api.yaml", "image: app:1\nplacment: {hosts: [app-1]}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:2:1: unknown field \"placment\" (did you mean \"placement\"?)");
        }
    }

    @Nested
    class Ports {

        @Test
        void samePortOnDifferentAddressesOrProtocolsDoesNotClash() {
            Repo repo = given
                .file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nports: [\"127.0.0.1:8080:80\", \"53:53/udp\"]\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nports: [\"10.0.0.11:8080:80\", \"53:53/tcp\"]\n")
                .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-2]}\nports: [\"8080:80\"]\n")
                .repo();

            assertThat(repo.services()).hasSize(3);
        }

        @Test
        void theWildcardAddressClashesWithASpecificOne() {
            given.file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nports: [\"127.0.0.1:8080:80\"]\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nports: [\"8080:80\"]\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/b.yaml:3:9: ports[0]: host port 8080/tcp on app-1 is also published by service \"a\" (services/a.yaml:3:9)");
        }

        @Test
        void ephemeralHostPortsAllowReplicasAndStartFirst() {
            Repo repo = given.file("services/api.yaml", """
                image: app:1
                placement: {selector: {role: app}, replicas: 3}
                ports: ["8080"]
                rollout: {order: start-first, batch: 2}
                """).repo();

            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("api")).hasSize(6);
        }

        @Test
        void aServiceRepeatingAPortIsTold() {
            given.file("services/api.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nports: [\"80:80\", \"80:80/tcp\"]\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:3:18: ports[1] repeats ports[0] (80:80/tcp)");
        }
    }

    @Nested
    class RunAs {

        @Test
        void aUserIsKeptAsWrittenAndIsInTheFingerprintOnlyWhenSet() {
            Repo repo = given
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nuser: 1000:1000\n")
                .file("services/exporter.yaml", "runtime: systemd\ncommand: [/usr/bin/exporter]\n"
                    + "placement: {hosts: [app-1]}\nuser: prometheus:nogroup\n")
                .file("services/web.yaml", "image: web:1\nplacement: {hosts: [app-1]}\n")
                .repo();

            assertThat(repo.services().get("api").user()).contains("1000:1000");
            assertThat(repo.services().get("exporter").user()).contains("prometheus:nogroup");
            assertThat(repo.services().get("web").user()).isEmpty();
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("exporter").getFirst().inputs().values())
                .containsEntry("user", "prometheus:nogroup");
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("web").getFirst().inputs().values())
                .doesNotContainKey("user");
        }

        @Test
        void anythingButANameOrIdWithAnOptionalGroupIsRefused() {
            given.file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nuser: \"app:\"\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nuser: [app]\n")
                .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-1]}\nuser: $(id)\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/a.yaml:3:7: user: \"app:\" is not a user: write a login name or a numeric id, optionally"
                    + " followed by ':' and a group, e.g. user: app, user: app:www-data or user: \"1000:1000\"",
                "services/b.yaml:3:7: user must be a single value, not a list",
                "services/c.yaml:3:7: user: \"$(id)\" is not a user: write a login name or a numeric id, optionally"
                    + " followed by ':' and a group, e.g. user: app, user: app:www-data or user: \"1000:1000\"");
        }
    }

    @Nested
    class Networks {

        @Test
        void servicesOnOneNetworkKeepItsNameAndItsInTheirFingerprints() {
            Repo repo = given
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nnetwork: shop\n")
                .file("services/db.yaml", "image: db:1\nplacement: {hosts: [app-1]}\nnetwork: shop\n")
                .file("services/web.yaml", "image: web:1\nplacement: {hosts: [app-1]}\n")
                .repo();

            assertThat(repo.services().get("api").network()).contains("shop");
            assertThat(repo.services().get("web").network()).isEmpty();
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("db").getFirst().inputs().values())
                .containsEntry("network", "shop");
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("web").getFirst().inputs().values())
                .doesNotContainKey("network");
        }

        @Test
        void dockersOwnNetworksAndBadNamesAreRefused() {
            given.file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nnetwork: host\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nnetwork: \"my net\"\n")
                .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-1]}\nnetwork: [shop, shop]\n")
                .file("services/d.yaml", "image: d:1\nplacement: {hosts: [app-1]}\nnetwork: []\n")
                .file("services/e.yaml", "image: e:1\nplacement: {hosts: [app-1]}\nnetwork: {name: shop}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/a.yaml:3:10: network: \"host\" is one of Docker's own networks; name a network of this"
                    + " service's own (driftless creates it on each host), e.g. network: shop, or leave network out for"
                    + " Docker's default bridge",
                "services/b.yaml:3:10: network: \"my net\" is not a valid network name: use letters, digits, '_', '.'"
                    + " and '-', starting with a letter or digit",
                "services/c.yaml:3:10: network: \"shop\" is listed twice",
                "services/d.yaml:3:10: network is an empty list: name a network, e.g. network: shop, or leave network"
                    + " out for Docker's default bridge",
                "services/e.yaml:3:10: network must be a single value, not a mapping");
        }

        @Test
        void aServiceMayJoinSeveralNetworksTheFirstBeingTheOneItIsCreatedOn() {
            Repo repo = given
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nnetwork: [shop, backend]\n")
                .file("services/one.yaml", "image: one:1\nplacement: {hosts: [app-1]}\nnetwork: [shop]\n")
                .repo();

            assertThat(repo.services().get("api").networks()).containsExactly("shop", "backend");
            assertThat(repo.services().get("api").network()).contains("shop");
            DesiredState state = repo.resolve(SecretFingerprints.unresolved());
            assertThat(state.instancesOf("api").getFirst().inputs().values()).containsEntry("network", "shop,backend");
            assertThat(state.instancesOf("one").getFirst().inputs().values()).as("a list of one is the same network")
                .containsEntry("network", "shop");
        }
    }

    @Nested
    class Batches {

        @Test
        void aBatchIsACountOfHostsOrAShareOfThemRoundedUp() {
            Repo repo = given
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nrollout: {batch: 25%}\n")
                .file("services/web.yaml", "image: web:1\nplacement: {hosts: [app-1]}\nrollout: {batch: 3}\n")
                .repo();

            Rollout api = repo.services().get("api").rollout();
            assertThat(api.batchPercent()).hasValue(25);
            assertThat(api.batchSize(10)).isEqualTo(3);
            assertThat(api.batchSize(4)).isEqualTo(1);
            assertThat(api.batchSize(1)).isEqualTo(1);
            assertThat(api.batchSize(0)).as("at least one").isEqualTo(1);
            assertThat(api.batchSize(1000)).isEqualTo(250);
            Rollout web = repo.services().get("web").rollout();
            assertThat(web.batchPercent()).isEmpty();
            assertThat(web.batchSize(10)).isEqualTo(3);
            assertThat(new Rollout(1, RolloutOrder.STOP_FIRST, true, java.util.Optional.empty(),
                java.util.OptionalInt.of(100)).batchSize(7)).isEqualTo(7);
        }

        @Test
        void aShareOutsideOneToAHundredPerCentIsRefused() {
            given.file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nrollout: {batch: 0%}\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nrollout: {batch: 150%}\n")
                .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-1]}\nrollout: {batch: half%}\n")
                .file("services/d.yaml", "image: d:1\nplacement: {hosts: [app-1]}\nrollout: {batch: 0}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/a.yaml:3:18: rollout.batch must be a number of hosts (1 to 1000) or a share of them from 1% to"
                    + " 100%, got \"0%\"",
                "services/b.yaml:3:18: rollout.batch must be a number of hosts (1 to 1000) or a share of them from 1% to"
                    + " 100%, got \"150%\"",
                "services/c.yaml:3:18: rollout.batch must be a number of hosts (1 to 1000) or a share of them from 1% to"
                    + " 100%, got \"half%\"",
                "services/d.yaml:3:18: rollout.batch must be from 1 to 1000, got 0");
        }
    }

    @Nested
    class PreDeployJobs {

        @Test
        void aPreDeployJobIsPartOfTheRolloutAndLeavesTheFingerprintAlone() {
            Repo repo = given
                .file("services/api.yaml", """
                    image: api:1
                    placement: {hosts: [app-1]}
                    rollout:
                      order: start-first
                      pre-deploy: {command: [/app/bin/migrate, --to, latest], timeout: 90s}
                    """)
                .file("services/web.yaml", """
                    image: web:1
                    placement: {hosts: [app-1]}
                    rollout: {pre-deploy: {command: [migrate]}}
                    """)
                .repo();

            assertThat(repo.services().get("api").rollout().preDeploy()).contains(
                new PreDeploy(List.of("/app/bin/migrate", "--to", "latest"), Duration.ofSeconds(90)));
            assertThat(repo.services().get("web").rollout().preDeploy()).contains(
                new PreDeploy(List.of("migrate"), PreDeploy.DEFAULT_TIMEOUT));
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("api").getFirst().inputs().values())
                .doesNotContainKey("rollout").doesNotContainKey("pre-deploy");
        }

        @Test
        void aJobWithoutACommandOrWithAZeroTimeoutOrAnUnknownFieldIsRefused() {
            given.file("services/a.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nrollout: {pre-deploy: {timeout: 1m}}\n")
                .file("services/b.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nrollout: {pre-deploy: {command: []}}\n")
                .file("services/c.yaml", "image: c:1\nplacement: {hosts: [app-1]}\n"
                    + "rollout: {pre-deploy: {command: bin/migrate, timeout: 0s}}\n")
                .file("services/d.yaml", "image: d:1\nplacement: {hosts: [app-1]}\n"
                    + "rollout: {pre-deploy: {comand: [x]}}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/a.yaml:3:23: missing required field \"command\" in rollout.pre-deploy: the job to run before a"
                    + " rollout, e.g. command: [/app/bin/migrate]",
                "services/b.yaml:3:33: rollout.pre-deploy.command is empty: give the job to run, e.g. [/app/bin/migrate]",
                "services/c.yaml:3:33: rollout.pre-deploy.command must be a list of arguments, e.g. [\"/usr/bin/app\", \"--port\","
                    + " \"8080\"]; a single string is not split into words",
                "services/c.yaml:3:55: rollout.pre-deploy.timeout must be longer than 0s",
                "services/d.yaml:3:24: unknown field \"comand\" in rollout.pre-deploy (did you mean \"command\"?)");
        }

        @Test
        void aSystemdServiceRunsItsJobOnTheHostByAbsolutePath() {
            given.file("services/x.yaml", """
                runtime: systemd
                command: [/usr/bin/python3, -m, http.server]
                placement: {hosts: [app-1]}
                rollout:
                  pre-deploy: {command: [python3, /opt/app/migrate.py]}
                """)
                .file("services/y.yaml", """
                runtime: systemd
                command: [/usr/bin/python3, -m, http.server, "8001"]
                placement: {hosts: [app-1]}
                rollout:
                  pre-deploy: {command: [/usr/bin/python3, /opt/app/migrate.py], timeout: 1m}
                """);

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/x.yaml:5:15: rollout.pre-deploy.command[0]: a systemd service's job runs on the host, by"
                    + " absolute path, got \"python3\"; write e.g. /usr/bin/python3");
        }
    }

    @Nested
    class Secrets {

        @Test
        void referencesResolveIntoYamlJsonAndDotenvFilesIncludingListIndexes() {
            Repo repo = given
                .file("secrets/tokens.json", "{\n\t\"upstream\": {\n\t\t\"keys\": [\"ENC[a]\", \"ENC[b]\"]\n\t},\n"
                    + "\t\"sops\": {\n\t\t\"version\": \"3.9.4\"\n\t}\n}\n")
                .file("secrets/app.env", "API_TOKEN=ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops_version=3.9.4\n")
                .file("services/api.yaml", """
                    image: app:1
                    placement: {hosts: [app-1]}
                    secrets:
                      DB_PASSWORD: secrets/app.yaml#db.password
                      UPSTREAM_KEY: secrets/tokens.json#upstream.keys.1
                      API_TOKEN: secrets/app.env#API_TOKEN
                    """)
                .repo();

            assertThat(repo.services().get("api").secrets()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of(
                "API_TOKEN", SecretRef.parse("secrets/app.env#API_TOKEN"),
                "DB_PASSWORD", SecretRef.parse("secrets/app.yaml#db.password"),
                "UPSTREAM_KEY", SecretRef.parse("secrets/tokens.json#upstream.keys.1"))));
        }

        @Test
        void registryLoginsResolveTheirPasswordAndMatchImagesByRegistry() {
            Repo repo = given.file("hosts.yaml", TestRepo.HOSTS + """
                    registries:
                      registry:5000: {username: deploy, password: secrets/app.yaml#db.password}
                      docker.io:
                        username: shop-bot
                        password: secrets/app.yaml#db.password
                    """)
                .file("services/api.yaml", "image: registry:5000/shop/api:1\nplacement: {hosts: [app-1]}\n")
                .repo();

            assertThat(repo.registries()).containsOnlyKeys("docker.io", "registry:5000");
            RegistryLogin login = repo.registries().get("registry:5000");
            assertThat(login.username()).isEqualTo("deploy");
            assertThat(login.password()).isEqualTo(SecretRef.parse("secrets/app.yaml#db.password"));
            assertThat(login.toString()).doesNotContain("ENC[");
            DesiredState desired = repo.resolve(SecretFingerprints.unresolved());
            assertThat(desired.registryLoginFor("registry:5000/shop/api:1")).contains(login);
            assertThat(desired.registryLoginFor("postgres:16").map(RegistryLogin::username)).contains("shop-bot");
            assertThat(desired.registryLoginFor("ghcr.io/shop/api:1")).isEmpty();
            assertThat(desired.digest()).as("credentials change nothing that runs")
                .isEqualTo(new Repo(repo.environment(), repo.hosts(), repo.services())
                    .resolve(SecretFingerprints.unresolved()).digest());
        }

        @Test
        void theSopsMetadataIsNotASecret() {
            given.file("services/api.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nsecrets: {V: secrets/app.yaml#sops.version}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:3:14: secrets.V: \"sops\" is the SOPS metadata of secrets/app.yaml, not a secret");
        }

        @Test
        void aListIndexOutOfRangeIsTold() {
            given.file("secrets/list.yaml", "keys:\n  - ENC[a]\n  - ENC[b]\nsops: {version: 3.9.4}\n")
                .file("services/api.yaml", "image: a:1\nplacement: {hosts: [app-1]}\nsecrets: {K: secrets/list.yaml#keys.2}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:3:14: secrets.K: in secrets/list.yaml, keys is a list of 2; index it with a number from 0 to 1");
        }

        @Test
        void unreferencedPlaintextSecretsFilesAreStillReported() {
            given.file("secrets/plain.env", "TOKEN=hunter2\n");

            assertThat(TestRepo.lines(given.load())).containsExactly("secrets/plain.env:0:0: not encrypted with SOPS (it has no "
                + "sops metadata); encrypt it with: sops --encrypt --in-place secrets/plain.env");
        }
    }

    @Nested
    class Systemd {

        @Test
        void aSystemdServiceRunsACommandAndListensOnItsOwnPorts() {
            Repo repo = given.file("services/exporter.yaml", """
                runtime: systemd
                command: [/usr/local/bin/node_exporter]
                args: ["--web.listen-address=:9100"]
                placement: {selector: {role: app}}
                ports: ["9100"]
                resources: {memory: 64M}
                """).repo();

            Service s = repo.services().get("exporter");
            assertThat(s.runtime()).isEqualTo(Runtime.SYSTEMD);
            assertThat(s.image()).isEmpty();
            assertThat(s.ports()).containsExactly(new PortMapping(Optional.empty(), 9100, 9100, "tcp"));
        }

        @Test
        void aServiceTakesTheRuntimeOfItsHosts() {
            Repo repo = given
                .file("hosts.yaml", TestRepo.HOSTS + "  edge-1: {address: 10.0.0.31, runtime: systemd}\n")
                .file("services/proxy.yaml", "command: [/usr/sbin/haproxy, -f, /etc/haproxy.cfg]\nplacement: {hosts: [edge-1]}\n")
                .repo();

            assertThat(repo.services().get("proxy").runtime()).isEqualTo(Runtime.SYSTEMD);
        }

        @Test
        void containerOnlyFeaturesAreRefused() {
            given.file("services/x.yaml", """
                runtime: systemd
                command: [/bin/x]
                placement: {hosts: [app-1]}
                ports: ["80:8080"]
                volumes: ["data:/data"]
                labels: {team: x}
                health: {docker: true}
                network: shop
                """);

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/x.yaml:4:9: ports[0]: a systemd service listens on its ports directly, so it cannot map 80 to 8080; write \"8080\"",
                "services/x.yaml:5:11: volumes: the systemd runtime runs a command as a unit, without containers, so there is nothing to mount into",
                "services/x.yaml:6:9: labels are container labels: the systemd runtime runs a command as a unit, without containers",
                "services/x.yaml:7:10: health.docker asks Docker for a container's health: the systemd runtime runs a command as a unit, without containers",
                "services/x.yaml:8:10: network is a Docker network to attach containers to: the systemd runtime runs a command as a unit, without containers; a unit uses the host's network");
        }
    }

    @Test
    void loggingTakesADriverAndItsOptionsAsWritten() {
        Service api = given.file("services/api.yaml", """
                image: api:1
                placement: {hosts: [app-1]}
                logging:
                  driver: local
                  options: {max-size: 10m, max-file: 3}
                """).repo().services().get("api");

        assertThat(api.logging()).contains(new Logging(Optional.of("local"),
            new java.util.TreeMap<>(Map.of("max-size", "10m", "max-file", "3"))));
        assertThat(given.file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n").repo()
            .services().get("api").logging()).isEmpty();
    }

    @Test
    void stopTakesASignalByNameAndAGracePeriodInWholeSeconds() {
        Service worker = given.file("services/worker.yaml", """
                image: worker:1
                placement: {hosts: [app-1]}
                stop: {signal: INT, grace-period: 2m}
                """).repo().services().get("worker");

        assertThat(worker.stop()).isEqualTo(new Stop(Optional.of("SIGINT"), Optional.of(java.time.Duration.ofMinutes(2))));
        assertThat(worker.stop().grace()).isEqualTo(java.time.Duration.ofMinutes(2));
        Service plain = given.file("services/worker.yaml", "image: worker:1\nplacement: {hosts: [app-1]}\n").repo()
            .services().get("worker");
        assertThat(plain.stop()).isEqualTo(Stop.DEFAULT);
        assertThat(plain.stop().grace()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(given.file("services/worker.yaml", """
                runtime: systemd
                command: [/bin/worker]
                placement: {hosts: [app-1]}
                stop: {signal: SIGRTMIN+3, grace-period: 1s}
                """).repo().services().get("worker").stop().signal()).contains("SIGRTMIN+3");
    }

    @Test
    void stopSettingsOutsideTheirRangeAreRefusedWhereTheyAreWritten() {
        given.file("services/worker.yaml", """
            image: worker:1
            placement: {hosts: [app-1]}
            stop: {signal: "15", grace-period: 1500ms}
            """);

        assertThat(TestRepo.lines(given.load())).containsExactly(
            "services/worker.yaml:3:16: stop.signal \"15\" is not a signal to stop a program with; write one of SIGHUP,"
                + " SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGWINCH, SIGPWR or SIGRTMIN+0 to"
                + " SIGRTMIN+15, by name (numbers differ between machines)",
            "services/worker.yaml:3:36: stop.grace-period must be whole seconds from 1s to 1h, got 1s500ms");
        given.file("services/worker.yaml", "image: worker:1\nplacement: {hosts: [app-1]}\nstop: {}\n");
        assertThat(TestRepo.lines(given.load())).containsExactly("services/worker.yaml:3:7: stop needs a signal or a"
            + " grace-period, e.g. stop: {grace-period: 30s}; leave it out for the runtime's defaults");
    }

    @Nested
    class ServiceFiles {

        @Test
        void aRepoFileInlineTextAndASecretBecomeFilesWithTheirModesAndOwners() {
            Service api = given.file("files/api/app.conf", "listen 8080;\n")
                .file("services/api.yaml", """
                    image: api:1
                    placement: {hosts: [app-1]}
                    files:
                      - {source: files/api/app.conf, target: /etc/app/app.conf}
                      - target: /www/motd.txt
                        content: |
                          hello
                        mode: 0644
                      - {target: /run/secrets/db, secret: secrets/app.yaml#db.password, mode: "400", uid: 101, gid: 102}
                      - {target: /var/lib/app/state.json, content: "{}", drift: ignore}
                    """)
                .repo().services().get("api");

            assertThat(api.files()).extracting(ServiceFile::target, ServiceFile::modeText, ServiceFile::uid, ServiceFile::gid)
                .containsExactly(
                    org.assertj.core.groups.Tuple.tuple("/etc/app/app.conf", "0444", 0L, 0L),
                    org.assertj.core.groups.Tuple.tuple("/www/motd.txt", "0644", 0L, 0L),
                    org.assertj.core.groups.Tuple.tuple("/run/secrets/db", "0400", 101L, 102L),
                    org.assertj.core.groups.Tuple.tuple("/var/lib/app/state.json", "0444", 0L, 0L));
            assertThat(api.files()).extracting(ServiceFile::drift).containsExactly(ServiceFile.Drift.REPAIR,
                ServiceFile.Drift.REPAIR, ServiceFile.Drift.REPAIR, ServiceFile.Drift.IGNORE);
            assertThat(api.files().get(0).content()).isEqualTo(new ServiceFile.Plain("files/api/app.conf",
                "listen 8080;\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(api.files().get(1).content()).isEqualTo(new ServiceFile.Plain("",
                "hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(api.files().get(2).content()).isEqualTo(new ServiceFile.Secret(
                SecretRef.parse("secrets/app.yaml#db.password")));
            assertThat(api.files().get(0).content().toString()).isEqualTo("Plain[files/api/app.conf, 13 bytes]");
        }

        @Test
        void aFileChangesTheFingerprintByItsContentHashNeverItsText() {
            String service = "image: api:1\nplacement: {hosts: [app-1]}\nfiles: [{source: files/app.conf, target: /etc/app.conf}]\n";
            Map<String, String> before = given.file("files/app.conf", "password-ish text")
                .file("services/api.yaml", service).repo().resolve(SecretFingerprints.unresolved())
                .instancesOf("api").getFirst().inputs().values();
            Map<String, String> after = given.file("files/app.conf", "other text").repo()
                .resolve(SecretFingerprints.unresolved()).instancesOf("api").getFirst().inputs().values();

            assertThat(before.get("file./etc/app.conf")).matches("sha256:[0-9a-f]{16} 0444 0:0")
                .isNotEqualTo(after.get("file./etc/app.conf"));
            assertThat(before.toString()).doesNotContain("password-ish");
        }

        @Test
        void aSystemdServicesFilesArePathsInItsInstancesDirectoryAndCountInItsFingerprint() {
            given.file("files/exporter/web.yml", "tls_server_config: {}\n")
                .file("services/exporter.yaml", """
                    runtime: systemd
                    command: [/usr/local/bin/node_exporter]
                    args: [--web.config.file=web.yml]
                    user: prometheus
                    placement: {hosts: [app-1]}
                    files:
                      - {source: files/exporter/web.yml, target: web.yml}
                      - {target: tls/server.key, secret: secrets/app.yaml#db.password, mode: "0400"}
                    """);
            Repo repo = given.repo();

            assertThat(repo.services().get("exporter").files()).extracting(ServiceFile::target, ServiceFile::modeText)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("web.yml", "0444"),
                    org.assertj.core.groups.Tuple.tuple("tls/server.key", "0400"));
            assertThat(repo.resolve(SecretFingerprints.unresolved()).instancesOf("exporter").getFirst().inputs().values())
                .containsKeys("file.web.yml", "file.tls/server.key");

            given.file("services/exporter.yaml", """
                runtime: systemd
                command: [/usr/local/bin/node_exporter]
                placement: {hosts: [app-1]}
                files: [{target: ../web.yml, content: x}, {target: tls//key, content: x}, {target: ~/k, content: x}]
                """);
            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/exporter.yaml:4:18: files[0].target \"../web.yml\" must be a plain path: no \".\", \"..\","
                    + " \"//\" or trailing \"/\"",
                "services/exporter.yaml:4:52: files[1].target \"tls//key\" must be a plain path: no \".\", \"..\","
                    + " \"//\" or trailing \"/\"",
                "services/exporter.yaml:4:84: files[2].target \"~/k\" must not start with \"~\": it is a path in the"
                    + " instance's own directory");
        }

        @Test
        void aFileOverOneMebibyteIsRefusedAndSoIsASymbolicLink() throws Exception {
            given.file("files/big.bin", "x".repeat(ServiceFile.MAX_BYTES + 1))
                .file("files/ok.conf", "ok")
                .file("services/api.yaml", """
                    image: api:1
                    placement: {hosts: [app-1]}
                    files:
                      - {source: files/big.bin, target: /srv/big.bin}
                      - {source: files/link.conf, target: /etc/link.conf}
                    """);
            java.nio.file.Files.createSymbolicLink(dir.resolve("files/link.conf"), Path.of("ok.conf"));

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:4:14: files[0].source: files/big.bin is 1048577 bytes; a file placed into containers"
                    + " may be at most 1 MiB (configuration, not data: mount a volume for data)",
                "services/api.yaml:5:14: files[1].source: files/link.conf is a symbolic link; driftless reads files as"
                    + " committed and does not follow links");
        }
    }

    @Nested
    class ServiceDefaults {

        private static final String DEFAULTS = """
            logging: {driver: local, options: {max-size: 10m, max-file: "3"}}
            stop: {grace-period: 30s}
            env: {LOG_FORMAT: json, LOG_LEVEL: info}
            labels: {team: shop}
            resources: {memory: 256M}
            restart: always
            rollout: {batch: 25%}
            """;

        @Test
        void everyServiceInheritsWhatItDoesNotSetItselfAndWinsWhereItDoes() {
            Repo repo = given.file("service-defaults.yaml", DEFAULTS)
                .file("services/api.yaml", """
                    image: api:1
                    placement: {hosts: [app-1]}
                    env: {LOG_LEVEL: debug}
                    resources: {cpus: 0.5}
                    stop: {signal: SIGINT}
                    """)
                .file("services/quiet.yaml", """
                    image: quiet:1
                    placement: {hosts: [app-2]}
                    logging: ~
                    labels: {team: ~, tier: batch}
                    """).repo();

            Service api = repo.services().get("api");
            assertThat(api.logging()).contains(new Logging(Optional.of("local"),
                new java.util.TreeMap<>(Map.of("max-size", "10m", "max-file", "3"))));
            assertThat(api.stop()).as("mappings merge key by key")
                .isEqualTo(new Stop(Optional.of("SIGINT"), Optional.of(java.time.Duration.ofSeconds(30))));
            assertThat(api.env()).containsExactly(Map.entry("LOG_FORMAT", "json"), Map.entry("LOG_LEVEL", "debug"));
            assertThat(api.labels()).containsExactly(Map.entry("team", "shop"));
            assertThat(api.resources()).isEqualTo(new Resources(Optional.of(256L << 20), Optional.of(0.5), Optional.empty()));
            assertThat(api.restart()).isEqualTo(RestartPolicy.ALWAYS);
            assertThat(api.rollout().batchSize(8)).as("25%% of 8 hosts").isEqualTo(2);
            assertThat(api.source().file()).isEqualTo("services/api.yaml");
            Service quiet = repo.services().get("quiet");
            assertThat(quiet.logging()).as("~ deletes an inherited field").isEmpty();
            assertThat(quiet.labels()).containsExactly(Map.entry("tier", "batch"));
        }

        @Test
        void withoutADefaultsFileANullFieldIsOneLeftOut() {
            Service api = given.file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nlogging: ~\nstop:\n")
                .repo().services().get("api");

            assertThat(api.logging()).isEmpty();
            assertThat(api.stop()).isEqualTo(Stop.DEFAULT);
        }

        @Test
        void aSystemdServiceInheritsNoContainerSettings() {
            Service unit = given.file("service-defaults.yaml", DEFAULTS).file("services/exporter.yaml", """
                runtime: systemd
                command: [/usr/bin/exporter]
                placement: {hosts: [app-1]}
                """).repo().services().get("exporter");

            assertThat(unit.logging()).isEmpty();
            assertThat(unit.labels()).isEmpty();
            assertThat(unit.stop().gracePeriod()).hasValue(java.time.Duration.ofSeconds(30));
            assertThat(unit.env()).containsEntry("LOG_FORMAT", "json");
        }

        @Test
        void aDefaultProbeChecksEveryServiceWithoutOneAndItsTimingsTuneTheServicesOwnProbe() {
            Repo repo = given.file("service-defaults.yaml", """
                    health: {http: {port: 8080, path: /healthz}, timeout: 60s}
                    network: shop
                    """)
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n")
                .file("services/db.yaml", "image: db:1\nplacement: {hosts: [app-1]}\nhealth: {tcp: {port: 5432}}\n")
                .file("services/batch.yaml", "image: b:1\nplacement: {hosts: [app-1]}\nhealth: ~\nnetwork: ~\n")
                .file("services/exporter.yaml", "runtime: systemd\ncommand: [/usr/bin/exporter]\n"
                    + "placement: {hosts: [app-1]}\n")
                .repo();

            Service api = repo.services().get("api");
            assertThat(api.health()).hasValueSatisfying(h -> {
                assertThat(h.probe()).isInstanceOf(HttpProbe.class).extracting(p -> ((HttpProbe) p).port()).isEqualTo(8080);
                assertThat(h.timeout()).isEqualTo(java.time.Duration.ofSeconds(60));
            });
            assertThat(api.networks()).containsExactly("shop");
            assertThat(repo.services().get("db").health()).as("its own probe replaces the default's")
                .hasValueSatisfying(h -> {
                    assertThat(h.probe()).isEqualTo(new TcpProbe(5432));
                    assertThat(h.timeout()).isEqualTo(java.time.Duration.ofSeconds(60));
                });
            assertThat(repo.services().get("batch").health()).as("~ takes the inherited check away").isEmpty();
            assertThat(repo.services().get("batch").networks()).isEmpty();
            Service unit = repo.services().get("exporter");
            assertThat(unit.health()).as("an HTTP probe reaches a unit on the host's loopback").isPresent();
            assertThat(unit.networks()).as("a unit joins no Docker network").isEmpty();

            given.file("service-defaults.yaml", "health: {docker: true, timeout: 90s}\n");
            repo = given.repo();
            assertThat(repo.services().get("exporter").health()).as("Docker's own check is for containers").isEmpty();
            assertThat(repo.services().get("api").health()).hasValueSatisfying(h ->
                assertThat(h.probe()).isInstanceOf(DockerProbe.class));

            given.file("service-defaults.yaml", "health: {timeout: 90s}\n");
            repo = given.repo();
            assertThat(repo.services().get("api").health()).as("timings alone make no check").isEmpty();
            assertThat(repo.services().get("db").health()).hasValueSatisfying(h ->
                assertThat(h.timeout()).isEqualTo(java.time.Duration.ofSeconds(90)));
        }

        @Test
        void aSecretOfTheServiceTakesThePlaceOfADefaultVariableOfTheSameName() {
            Service api = given.file("service-defaults.yaml", "env: {DB_PASSWORD: none, LOG_FORMAT: json}\n")
                .file("services/api.yaml", """
                    image: api:1
                    placement: {hosts: [app-1]}
                    secrets: {DB_PASSWORD: secrets/app.yaml#db.password}
                    """).repo().services().get("api");

            assertThat(api.env()).containsOnlyKeys("LOG_FORMAT");
            assertThat(api.secrets()).containsOnlyKeys("DB_PASSWORD");
        }

        @Test
        void aSecretOfTheDefaultsReachesEveryServiceUnlessItSetsTheVariableItself() {
            Repo repo = given.file("service-defaults.yaml", "secrets: {DB_PASSWORD: secrets/app.yaml#db.password}\n")
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n")
                .file("services/local.yaml", "image: local:1\nplacement: {hosts: [app-2]}\nenv: {DB_PASSWORD: dev}\n")
                .repo();

            assertThat(repo.services().get("api").secrets()).containsOnlyKeys("DB_PASSWORD");
            assertThat(repo.services().get("local").secrets()).isEmpty();
            assertThat(repo.services().get("local").env()).containsEntry("DB_PASSWORD", "dev");
            given.file("service-defaults.yaml", "secrets: {DB_PASSWORD: secrets/app.yaml#db.nothing}\n");
            assertThat(TestRepo.lines(given.load())).as("reported once, in the defaults")
                .singleElement().asString().startsWith("service-defaults.yaml:1:24: ");
        }

        @Test
        void changingADefaultChangesTheFingerprintOfEveryServiceThatInheritsIt() {
            given.file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n")
                .file("services/own.yaml", "image: own:1\nplacement: {hosts: [app-1]}\nstop: {grace-period: 5s}\n");
            DesiredState before = given.file("service-defaults.yaml", "stop: {grace-period: 30s}\n").repo()
                .resolve(SecretFingerprints.unresolved());
            DesiredState after = given.file("service-defaults.yaml", "stop: {grace-period: 60s}\n").repo()
                .resolve(SecretFingerprints.unresolved());

            assertThat(after.instance("api/app-1/1").orElseThrow().fingerprint())
                .isNotEqualTo(before.instance("api/app-1/1").orElseThrow().fingerprint());
            assertThat(after.instance("own/app-1/1").orElseThrow().fingerprint())
                .isEqualTo(before.instance("own/app-1/1").orElseThrow().fingerprint());
        }

        @Test
        void anEnvironmentsDefaultsGoOverTheReposOwn() {
            Repo prod = new TestRepo(dir).delete("hosts.yaml")
                .file("environments/prod/hosts.yaml", TestRepo.HOSTS)
                .file("service-defaults.yaml", DEFAULTS)
                .file("environments/prod/service-defaults.yaml", "stop: {grace-period: 2m}\nenv: {LOG_LEVEL: warn}\n"
                    + "labels: ~\n")
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n")
                .repo("prod");

            Service api = prod.services().get("api");
            assertThat(api.stop().gracePeriod()).hasValue(java.time.Duration.ofMinutes(2));
            assertThat(api.env()).containsExactly(Map.entry("LOG_FORMAT", "json"), Map.entry("LOG_LEVEL", "warn"));
            assertThat(api.labels()).isEmpty();
            assertThat(api.logging()).isPresent();
        }

        @Test
        void whatADefaultsFileMayNotSetIsRefusedWhereItIsWrittenAndABadValueOnce() {
            given.file("service-defaults.yaml", """
                image: api:1
                loging: {driver: local}
                rollout: {order: start-first, pre-deploy: {command: [/migrate]}}
                stop: {signal: SIGFOO}
                """)
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\n")
                .file("services/web.yaml", "image: web:1\nplacement: {hosts: [app-2]}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "service-defaults.yaml:1:1: image is not a default: it belongs in each service's own file;"
                    + " service-defaults.yaml sets env, health, labels, logging, network, resources, restart, rollout, secrets,"
                    + " stop",
                "service-defaults.yaml:2:1: unknown field \"loging\" (did you mean \"logging\"?);"
                    + " service-defaults.yaml sets env, health, labels, logging, network, resources, restart, rollout, secrets,"
                    + " stop",
                "service-defaults.yaml:3:31: rollout.pre-deploy is not a default: a pre-deploy job runs one service's"
                    + " image; write it in that service's own file",
                "service-defaults.yaml:4:16: stop.signal \"SIGFOO\" is not a signal to stop a program with; write one"
                    + " of SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGWINCH, SIGPWR or"
                    + " SIGRTMIN+0 to SIGRTMIN+15, by name (numbers differ between machines)");
        }

        @Test
        void aProblemWithWhatTheServiceWritesItselfPointsIntoItsOwnFile() {
            given.file("service-defaults.yaml", "logging: {driver: local}\n")
                .file("services/api.yaml", "image: api:1\nplacement: {hosts: [app-1]}\nlogging: {options: {\"bad key\": x}}\n");

            assertThat(TestRepo.lines(given.load())).containsExactly(
                "services/api.yaml:3:21: logging.options: \"bad key\" is not a log option name, e.g. max-size");
        }
    }

    @Nested
    class Environments {

        private TestRepo envRepo;

        @BeforeEach
        void twoEnvironmentsSharingOneService() {
            envRepo = new TestRepo(dir).delete("hosts.yaml")
                .file("environments/prod/hosts.yaml", TestRepo.HOSTS)
                .file("environments/staging/hosts.yaml", "defaults: {user: deploy}\nhosts:\n  stage-1: {address: 10.1.0.11, labels: {role: app}}\n")
                .file("secrets/app.yaml", TestRepo.SECRETS)
                .file("services/api.yaml", """
                    image: registry:5000/api:1.0.0
                    placement: {selector: {role: app}}
                    ports: ["8080:8080"]
                    env: {LOG_LEVEL: info, REGION: eu}
                    resources: {memory: 256M, cpus: 1}
                    health: {http: {port: 8080, path: /healthz}}
                    secrets: {DB_PASSWORD: secrets/app.yaml#db.password}
                    """);
        }

        @Test
        void anEnvironmentsOwnCopyOfAFileIsUsedBeforeTheRepos() {
            envRepo.file("files/api.conf", "shared\n").file("environments/prod/files/api.conf", "prod only\n")
                .file("services/api.yaml", """
                    image: registry:5000/api:1.0.0
                    placement: {selector: {role: app}}
                    files: [{source: files/api.conf, target: /etc/api.conf}]
                    """);

            assertThat(envRepo.repo("prod").services().get("api").files().getFirst().content()).isEqualTo(
                new ServiceFile.Plain("environments/prod/files/api.conf", "prod only\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(envRepo.repo("staging").services().get("api").files().getFirst().content()).isEqualTo(
                new ServiceFile.Plain("files/api.conf", "shared\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }

        @Test
        void environmentsAreListedByName() throws Exception {
            envRepo.file("environments/README.md", "docs");
            assertThat(RepoLoader.environments(new DirectoryTree(dir))).containsExactly("prod", "staging");
        }

        @Test
        void eachEnvironmentHasItsOwnHosts() {
            assertThat(envRepo.repo("staging").hosts()).containsOnlyKeys("stage-1");
            assertThat(envRepo.repo("prod").hosts()).containsOnlyKeys("app-1", "app-2", "db-1");
            assertThat(envRepo.repo("prod").environment()).isEqualTo("prod");
        }

        @Test
        void anOverlayMergesMapsReplacesListsAndDeletesWithNull() {
            Service api = envRepo.file("environments/prod/services/api.yaml", """
                    env: {LOG_LEVEL: warn}
                    ports: ["9090:8080"]
                    resources: {memory: ~}
                    """).repo("prod").services().get("api");

            assertThat(api.env()).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("LOG_LEVEL", "warn", "REGION", "eu")));
            assertThat(api.ports()).containsExactly(new PortMapping(Optional.empty(), 9090, 8080, "tcp"));
            assertThat(api.resources()).isEqualTo(new Resources(Optional.empty(), Optional.of(1.0), Optional.empty()));
            assertThat(api.image()).contains("registry:5000/api:1.0.0");
        }

        @Test
        void anOverlayChoosingHostsReplacesTheBaseSelectorAndAProbeReplacesTheBaseProbe() {
            Service api = envRepo.file("environments/prod/services/api.yaml", """
                    placement: {hosts: [app-1], replicas: 2}
                    ports: ["8080"]
                    health: {tcp: {port: 8080}}
                    """).repo("prod").services().get("api");

            assertThat(api.placement()).isEqualTo(new Placement(List.of("app-1"), new java.util.TreeMap<>(), 2));
            assertThat(api.health().orElseThrow().probe()).isEqualTo(new TcpProbe(8080));
        }

        @Test
        void anOverlayCanDisableABaseServiceAndEnableADisabledOne() {
            envRepo.file("services/debug.yaml", "enabled: false\nimage: debug:1\nplacement: {selector: {role: app}}\n")
                .file("environments/staging/services/debug.yaml", "enabled: true\n")
                .file("environments/prod/services/api.yaml", "enabled: false\n");

            assertThat(envRepo.repo("prod").services()).isEmpty();
            assertThat(envRepo.repo("staging").services()).containsOnlyKeys("api", "debug");
        }

        @Test
        void anEnvironmentCanAddAServiceOfItsOwn() {
            Repo staging = envRepo.file("environments/staging/services/mailcatcher.yaml",
                "image: mailhog/mailhog:v1.0.1\nplacement: {hosts: [stage-1]}\n").repo("staging");

            assertThat(staging.services()).containsOnlyKeys("api", "mailcatcher");
            assertThat(staging.services().get("mailcatcher").source().file()).isEqualTo("environments/staging/services/mailcatcher.yaml");
        }

        @Test
        void anOverlayWhoseBaseIsMisnamedIsToldSo() {
            envRepo.file("environments/prod/services/apii.yaml", "placement: {replicas: 2}\n");

            assertThat(TestRepo.lines(envRepo.load("prod"))).containsExactly("environments/prod/services/apii.yaml:1:1: services/"
                + " has no apii.yaml for this file to change; a service of this environment alone needs a complete definition"
                + " (an image or command, and placement) (did you mean \"api\"?)");
        }

        @Test
        void anEnvironmentsOwnSecretsFileIsUsedBeforeTheSharedOne() {
            Repo prod = envRepo.file("environments/prod/secrets/app.yaml", TestRepo.SECRETS).repo("prod");
            Repo staging = envRepo.repo("staging");

            assertThat(prod.services().get("api").secrets().get("DB_PASSWORD"))
                .isEqualTo(new SecretRef("environments/prod/secrets/app.yaml", List.of("db", "password")));
            assertThat(staging.services().get("api").secrets().get("DB_PASSWORD"))
                .isEqualTo(new SecretRef("secrets/app.yaml", List.of("db", "password")));
        }

        @Test
        void aRegistryPasswordComesFromTheEnvironmentsOwnSecretsFileFirst() {
            envRepo.file("environments/prod/hosts.yaml", TestRepo.HOSTS
                    + "registries: {registry:5000: {username: deploy, password: secrets/app.yaml#db.password}}\n")
                .file("environments/prod/secrets/app.yaml", TestRepo.SECRETS);

            assertThat(envRepo.repo("prod").registries().get("registry:5000").password())
                .isEqualTo(new SecretRef("environments/prod/secrets/app.yaml", List.of("db", "password")));
            assertThat(envRepo.repo("staging").registries()).as("each environment has its own").isEmpty();
        }

        @Test
        void aMissingSecretsFileNamesBothPlacesLookedIn() {
            envRepo.file("environments/prod/services/api.yaml", "secrets: {DB_PASSWORD: secrets/prod.yaml#db.password}\n");

            assertThat(TestRepo.lines(envRepo.load("prod"))).containsExactly(
                "environments/prod/services/api.yaml:1:24: secrets.DB_PASSWORD: secrets/prod.yaml does not exist "
                    + "(looked in environments/prod/secrets/ and secrets/)");
        }

        @Test
        void aProblemInTheBaseFileIsReportedInTheBaseFile() {
            envRepo.file("services/api.yaml", "image: registry:5000/api:1.0.0\nplacement: {selector: {role: app}}\nrestart: sometimes\n");

            assertThat(TestRepo.lines(envRepo.load("prod"))).containsExactly(
                "services/api.yaml:3:10: restart must be one of no, always, on-failure, unless-stopped, got \"sometimes\"");
        }

        @Test
        void aRootHostsFileIsAProblemInARepoWithEnvironments() {
            envRepo.file("hosts.yaml", TestRepo.HOSTS);

            assertThat(TestRepo.lines(envRepo.load("prod"))).containsExactly("hosts.yaml:0:0: not used in a repo with "
                + "environments/: each environment has its own environments/<env>/hosts.yaml; move or remove this one");
        }

        @Test
        void anEnvironmentWithoutHostsIsAProblem() {
            envRepo.file("environments/dev/services/api.yaml", "env: {LOG_LEVEL: debug}\n");

            assertThat(TestRepo.lines(envRepo.load("dev"))).containsExactly(
                "environments/dev/hosts.yaml:0:0: missing: the repo needs environments/dev/hosts.yaml listing its hosts");
        }
    }
}
