package dev.driftless.reconciler.testhosts;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * Starts N test hosts (systemd + sshd + dockerd containers of {@code driftless/test-host}) on one
 * Docker network, installs a per-run SSH key for user {@code deploy}, reads each host's own SSH
 * host key so tests can pin it, and publishes each host's sshd on 127.0.0.1.
 *
 * <p>Ryuk is disabled here (its image cannot be pulled), so this class removes its containers and
 * network itself: on {@link #close()}, from a JVM shutdown hook if close was never reached, and
 * {@code scripts/test.sh} removes anything labelled {@value #LABEL} left by a killed JVM.
 */
public final class TestHosts implements AutoCloseable {

    /** Label on every container and network the harness creates. */
    public static final String LABEL = "dev.driftless.test";
    /** The image scripts/test-host-image.sh builds. */
    public static final String IMAGE = System.getProperty("driftless.testHostImage", "driftless/test-host:latest");

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(90);
    private static final Set<TestHosts> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(TestHosts::close), "test-hosts-cleanup"));
    }

    private final Network network;
    private final Path workDir;
    private final SshKeyPair deployKey;
    private final Map<String, GenericContainer<?>> containers;
    private final Map<String, TestHost> hosts;

    private TestHosts(Network network, Path workDir, SshKeyPair deployKey,
                      Map<String, GenericContainer<?>> containers, Map<String, TestHost> hosts) {
        this.network = network;
        this.workDir = workDir;
        this.deployKey = deployKey;
        this.containers = containers;
        this.hosts = hosts;
    }

    /** Starts hosts named {@code host-1 … host-n}. */
    public static TestHosts start(int n) {
        Builder b = builder();
        for (int i = 1; i <= n; i++) {
            b.host("host-" + i);
        }
        return b.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Declares the hosts to start; {@link #start()} starts them all in parallel. */
    public static final class Builder {
        private final Map<String, List<Integer>> hosts = new LinkedHashMap<>();
        private final Map<Path, String> mounts = new LinkedHashMap<>();

        /** Mounts a directory of this machine read-only into every host (a JDK, say). */
        public Builder mount(Path local, String containerPath) {
            mounts.put(local.toAbsolutePath().normalize(), containerPath);
            return this;
        }

        /** A host with sshd published; {@code extraPorts} are container ports also published on 127.0.0.1. */
        public Builder host(String name, Integer... extraPorts) {
            hosts.put(name, List.of(extraPorts));
            return this;
        }

        public TestHosts start() {
            if (hosts.isEmpty()) {
                throw new IllegalStateException("no hosts declared");
            }
            return TestHosts.launch(hosts, mounts);
        }
    }

    private static TestHosts launch(Map<String, List<Integer>> declared, Map<Path, String> mounts) {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("driftless-test-hosts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SshKeyPair key = SshKeyPair.generate(workDir, "driftless-test");
        Network network = Network.builder()
            .createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(LABEL, "true")))
            .build();
        Map<String, GenericContainer<?>> containers = new LinkedHashMap<>();
        declared.forEach((name, ports) -> containers.put(name, container(name, ports, network, mounts)));
        TestHosts result = new TestHosts(network, workDir, key, containers, new LinkedHashMap<>());
        OPEN.add(result);
        try {
            Startables.deepStart(containers.values().stream()).join();
            for (var e : containers.entrySet()) {
                result.hosts.put(e.getKey(), result.prepare(e.getKey(), e.getValue(), declared.get(e.getKey())));
            }
            return result;
        } catch (RuntimeException | Error e) {
            result.close();
            throw e;
        }
    }

    @SuppressWarnings("resource")
    private static GenericContainer<?> container(String name, List<Integer> extraPorts, Network network,
                                                 Map<Path, String> mounts) {
        List<Bind> binds = new ArrayList<>();
        binds.add(new Bind("/sys/fs/cgroup", new Volume("/sys/fs/cgroup"), AccessMode.rw));
        mounts.forEach((local, at) -> binds.add(new Bind(local.toString(), new Volume(at), AccessMode.ro)));
        List<PortBinding> bindings = new ArrayList<>();
        List<ExposedPort> exposed = new ArrayList<>();
        for (int port : Stream.concat(Stream.of(22), extraPorts.stream()).toList()) {
            exposed.add(ExposedPort.tcp(port));
            bindings.add(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(port)));
        }
        return new GenericContainer<>(DockerImageName.parse(IMAGE))
            .withNetwork(network)
            .withNetworkAliases(name)
            .withLabel(LABEL, "true")
            .withTmpFs(Map.of("/run", "rw", "/run/lock", "rw"))
            // Measured on this kind of machine: --privileged fails, these options give a working
            // systemd, sshd and inner dockerd (see DEVELOPERS.md).
            .withCreateContainerCmdModifier(cmd -> {
                cmd.withName("driftless-test-" + name + "-" + Long.toHexString(System.nanoTime()));
                cmd.withHostName(name);
                cmd.withExposedPorts(exposed);
                cmd.getHostConfig()
                    .withCapAdd(Capability.SYS_ADMIN, Capability.NET_ADMIN)
                    .withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined"))
                    .withCgroupnsMode("host")
                    .withBinds(binds)
                    .withPortBindings(bindings);
            })
            .withStartupTimeout(BOOT_TIMEOUT);
    }

    private TestHost prepare(String name, GenericContainer<?> c, List<Integer> extraPorts) {
        awaitUnits(name, c);
        String hostKey = exec(c, "cat", "/etc/ssh/ssh_host_ed25519_key.pub").trim();
        String[] parts = hostKey.split(" ");
        hostKey = parts[0] + " " + parts[1];
        c.copyFileToContainer(
            Transferable.of(deployKey.publicKeyLine() + "\n", 0600), "/home/deploy/.ssh/authorized_keys");
        exec(c, "chown", "-R", "deploy:deploy", "/home/deploy/.ssh");
        InspectContainerResponse info = docker().inspectContainerCmd(c.getContainerId()).exec();
        Map<Integer, Integer> published = new LinkedHashMap<>();
        info.getNetworkSettings().getPorts().getBindings().forEach((exposedPort, b) -> {
            if (b != null && b.length > 0) {
                published.put(exposedPort.getPort(), Integer.parseInt(b[0].getHostPortSpec()));
            }
        });
        String address = info.getNetworkSettings().getNetworks().values().iterator().next().getIpAddress();
        int sshPort = published.remove(22);
        published.keySet().retainAll(extraPorts);
        return new TestHost(name, c.getContainerId(), sshPort, hostKey, address, Map.copyOf(published));
    }

    private static void awaitUnits(String name, GenericContainer<?> c) {
        Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                // One unit per call: `systemctl is-active a b` succeeds as soon as either is active.
                // Measured: the first exec into a fresh container can also report exit 0 with no
                // output before systemd answers, so the state is read from what systemctl printed.
                ExecResult ssh = c.execInContainer("systemctl", "is-active", "ssh");
                ExecResult docker = c.execInContainer("systemctl", "is-active", "docker");
                if (ssh.getStdout().strip().equals("active") && docker.getStdout().strip().equals("active")) {
                    return;
                }
                last = "ssh " + ssh.getStdout().strip() + ", docker " + docker.getStdout().strip();
                Thread.sleep(250);
            } catch (IOException e) {
                last = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException("test host " + name + " did not start ssh and docker within "
            + BOOT_TIMEOUT.toSeconds() + "s (last state: " + last + ")");
    }

    /** The started hosts, in declaration order. */
    public List<TestHost> hosts() {
        return List.copyOf(hosts.values());
    }

    public TestHost host(String name) {
        TestHost h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no test host " + name + "; have " + hosts.keySet());
        }
        return h;
    }

    /** The private key file authorised for user {@code deploy} on every host. */
    public Path deployKeyFile() {
        return deployKey.privateKeyFile();
    }

    public SshKeyPair deployKey() {
        return deployKey;
    }

    /** A known_hosts file pinning every host's key at its 127.0.0.1 port. */
    public Path knownHostsFile() {
        Path file = workDir.resolve("known_hosts");
        StringBuilder sb = new StringBuilder();
        hosts.values().forEach(h -> sb.append(h.knownHostsLine()).append('\n'));
        try {
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The Docker network all hosts are attached to (for extra containers a test starts). */
    public Network network() {
        return network;
    }

    /** A scratch directory removed with the hosts. */
    public Path workDir() {
        return workDir;
    }

    /** Runs a command as root on the host (through docker exec, not SSH); fails on non-zero exit. */
    public String exec(String host, String... command) {
        return exec(container(host), command);
    }

    /**
     * {@code docker rm -f NAME} on the host, as an operator would; again while the host's dockerd
     * (vfs driver, slow under load) fails to delete the killed container's files because its
     * processes were still dying ("failed to remove root filesystem … directory not empty"): the
     * container is then dead, and the next attempt removes it.
     */
    public void removeContainerByHand(String host, String name) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            ExecResult r = execResult(host, "docker", "rm", "-f", name);
            if (r.getExitCode() != 0 && !r.getStderr().contains("failed to remove root filesystem")) {
                throw new IllegalStateException("docker rm -f " + name + " exited " + r.getExitCode() + ": "
                    + r.getStderr());
            }
            return r.getExitCode() == 0;
        });
    }

    /** Runs a command as root on the host and returns the result whatever the exit code. */
    public ExecResult execResult(String host, String... command) {
        try {
            return container(host).execInContainer(command);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String exec(GenericContainer<?> c, String... command) {
        try {
            ExecResult r = c.execInContainer(StandardCharsets.UTF_8, command);
            if (r.getExitCode() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + r.getExitCode()
                    + ": " + r.getStderr() + r.getStdout());
            }
            return r.getStdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Copies a file of this machine into the host, with the given mode (owned by root). */
    public void copyTo(String host, Path local, String containerPath, int mode) {
        container(host).copyFileToContainer(org.testcontainers.utility.MountableFile.forHostPath(local, mode),
            containerPath);
    }

    /**
     * Has the host's sshd present a certificate of its ed25519 host key, made by the real
     * {@code ssh-keygen -s CA -h} with key ID {@code HOST-host}, serial 42, for {@code principals}
     * and {@code validity} (ssh-keygen's {@code -V}), as the hosts of a CA-managed fleet do.
     * {@link #withdrawHostCertificate} undoes it.
     */
    public void presentHostCertificate(String host, Path caKey, String principals, String validity) {
        presentHostCertificate(host, caKey, principals, validity, "ed25519");
    }

    /** The same for the host's key of {@code keyType} ({@code ed25519}, {@code ecdsa} or {@code rsa}) only. */
    public void presentHostCertificate(String host, Path caKey, String principals, String validity, String keyType) {
        String key = "ssh_host_" + keyType + "_key";
        try {
            Path dir = Files.createTempDirectory(workDir, "cert-");
            Path pub = Files.writeString(dir.resolve(key + ".pub"), exec(host, "cat", "/etc/ssh/" + key + ".pub"));
            dev.driftless.reconciler.ExternalTool.run(List.of("ssh-keygen", "-q", "-s", caKey.toString(), "-h", "-I",
                host + "-host", "-n", principals, "-V", validity, "-z", "42", pub.toString()), dir, Map.of(),
                Duration.ofSeconds(30));
            copyTo(host, dir.resolve(key + "-cert.pub"), "/etc/ssh/" + key + "-cert.pub", 0644);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        exec(host, "sh", "-c", "rm -f /etc/ssh/ssh_host_*_key-cert.pub.old; echo 'HostCertificate /etc/ssh/" + key
            + "-cert.pub' > /etc/ssh/sshd_config.d/driftless-test-cert.conf && systemctl reload ssh");
        awaitSshd(host);
    }

    /** The host's sshd presents its plain keys again. */
    public void withdrawHostCertificate(String host) {
        exec(host, "sh", "-c", "rm -f /etc/ssh/sshd_config.d/driftless-test-cert.conf"
            + " /etc/ssh/ssh_host_*_key-cert.pub && systemctl reload ssh");
        awaitSshd(host);
    }

    /** Waits until sshd, re-executing itself after a reload, greets again. */
    private void awaitSshd(String host) {
        int port = host(host).sshPort();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
            .ignoreExceptions().until(() -> {
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(2000);
                    return new String(socket.getInputStream().readNBytes(8), StandardCharsets.US_ASCII)
                        .equals("SSH-2.0-");
                }
            });
    }

    /** Copies a locally built image into the host's own dockerd ({@code docker save | docker load}). */
    public void loadImage(String host, String image) {
        GenericContainer<?> c = container(host);
        Path tar = workDir.resolve("image-" + Long.toHexString(System.nanoTime()) + ".tar");
        try (InputStream in = docker().saveImageCmd(image).exec()) {
            Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
            // Not /tmp: a trixie host mounts a tmpfs there at boot, which hides what is copied
            // into the container's own /tmp.
            c.copyFileToContainer(org.testcontainers.utility.MountableFile.forHostPath(tar), "/var/tmp/image.tar");
            exec(c, "docker", "load", "-q", "-i", "/var/tmp/image.tar");
            exec(c, "rm", "-f", "/var/tmp/image.tar");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(tar);
            } catch (IOException ignored) {
                // a leftover tar in the temp dir is removed with workDir
            }
        }
    }

    /** Freezes every process of the host (as if it stopped answering), until {@link #unpause}. */
    public void pause(String host) {
        docker().pauseContainerCmd(container(host).getContainerId()).exec();
    }

    public void unpause(String host) {
        docker().unpauseContainerCmd(container(host).getContainerId()).exec();
    }

    private GenericContainer<?> container(String host) {
        GenericContainer<?> c = containers.get(host);
        if (c == null) {
            throw new IllegalArgumentException("no test host " + host + "; have " + containers.keySet());
        }
        return c;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** Removes every container and the network; safe to call more than once. */
    @Override
    public void close() {
        if (!OPEN.remove(this)) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (GenericContainer<?> c : containers.values()) {
            try {
                String id = c.getContainerId();
                if (id != null) {
                    try {
                        docker().unpauseContainerCmd(id).exec();
                    } catch (RuntimeException notPaused) {
                        // only paused containers need this
                    }
                }
                c.stop();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        try {
            network.close();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        deleteRecursively(workDir);
        if (!failures.isEmpty()) {
            RuntimeException e = new IllegalStateException("cleanup of test hosts failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files only
        }
    }
}
