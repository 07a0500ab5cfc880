package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.runtime.FileDrift;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container file check script ({@link DockerCommands#FILES_CHECK}) run by this machine's
 * {@code sh} and GNU tar against a stand-in for {@code docker}: each "container" is a directory,
 * {@code docker cp NAME:PATH -} tars one file of it with the owner the test gives, as dockerd
 * would. {@code DockerRuntimeIT} runs the same script against a real dockerd.
 */
class DockerFilesCheckTest {

    private static final String FAKE_DOCKER = """
        #!/bin/sh
        # A stand-in for docker: containers are the directories of $ROOT. Its archives name an
        # owner the host has (daemon) with another number, as a container's user may.
        case "$1" in
          ps) ls "$ROOT" | grep -vx "${HIDE:-}" || true ;;
          cp) c=${2%%:*}; p=${2#*:}; [ -f "$ROOT/$c$p" ] || exit 1
              exec tar -c -f - -C "$ROOT/$c" --owner="daemon:${OWNER_UID:-0}" --group="daemon:${OWNER_GID:-0}" "${p#/}" ;;
          container) [ -d "$ROOT/$5" ] ;;
          *) exit 2 ;;
        esac
        """;

    @TempDir
    Path tmp;

    private Path root;
    private Path lists;

    private String check(Map<String, String> env) throws Exception {
        return check(env, List.of());
    }

    private String check(Map<String, String> env, List<String> more) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path docker = bin.resolve("docker");
        Files.writeString(docker, FAKE_DOCKER);
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(List.of("sh", "-c", DockerCommands.FILES_CHECK, "driftless-files",
            lists.toString()));
        command.addAll(more);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        b.environment().put("ROOT", root.toString());
        b.environment().putAll(env);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    private void place(String container, String path, String content, String mode) throws Exception {
        Path file = root.resolve(container + path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    @Test
    void contentModeAndOwnerAreComparedWithTheListAndAnOldListChecksContentOnly() throws Exception {
        root = Files.createDirectories(tmp.resolve("containers"));
        lists = Files.createDirectories(tmp.resolve("lists"));
        String odd = "/etc/we ird $(touch pwned) 'x'.conf";
        place("api-1", "/etc/api.yaml", "port: 8080\n", "r--r--r--");
        place("api-1", "/run/secrets/db", "pw\n", "r--------");
        place("api-1", odd, "odd\n", "rw-r-----");
        Files.writeString(lists.resolve("api-1" + FileDrift.SUFFIX),
            FileDrift.line("port: 8080\n".getBytes(StandardCharsets.UTF_8), 0444, 0, 0, "/etc/api.yaml")
                + FileDrift.line("pw\n".getBytes(StandardCharsets.UTF_8), 0400, 0, 0, "/run/secrets/db")
                + FileDrift.line("odd\n".getBytes(StandardCharsets.UTF_8), 0640, 0, 0, odd));
        // Written before modes were checked: content only.
        place("old-1", "/etc/old.conf", "old\n", "rwxrwxrwx");
        Files.writeString(lists.resolve("old-1" + FileDrift.SUFFIX),
            FileDrift.line("old\n".getBytes(StandardCharsets.UTF_8), "/etc/old.conf"));

        assertThat(check(Map.of())).isEqualTo("@@files-check\n@@files api-1\n@@files old-1\n");

        Files.setPosixFilePermissions(root.resolve("api-1/run/secrets/db"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(root.resolve("api-1/etc/api.yaml"), "port: 9090\n");
        assertThat(FileDrift.read(check(Map.of()).lines().toList())).containsExactly(Map.entry("api-1",
            "file /etc/api.yaml changed on the host; file /run/secrets/db mode 0400 → 0644 on the host"));

        // Owned by another user now (the stand-in tars every file so).
        assertThat(FileDrift.read(check(Map.of("OWNER_UID", "1000")).lines().toList())).containsExactly(Map.entry("api-1",
            "file /etc/api.yaml changed on the host; file /etc/api.yaml owner 0:0 → 1000:0 on the host; file"
                + " /run/secrets/db mode 0400 → 0644 and owner 0:0 → 1000:0 on the host; file " + odd
                + " owner 0:0 → 1000:0 on the host"));
        assertThat(tmp.resolve("pwned")).doesNotExist();
        assertThat(Path.of("pwned")).doesNotExist();
    }

    @Test
    void theListOfAContainerThatIsGoneIsKeptByAPlanAndRemovedByTheDaemonsObservation() throws Exception {
        root = Files.createDirectories(tmp.resolve("containers"));
        lists = Files.createDirectories(tmp.resolve("lists"));
        place("api-1-aaaa", "/etc/api.yaml", "port: 8080\n", "r--r--r--");
        Files.writeString(lists.resolve("api-1-aaaa" + FileDrift.SUFFIX),
            FileDrift.line("port: 8080\n".getBytes(StandardCharsets.UTF_8), 0444, 0, 0, "/etc/api.yaml"));
        // Its container was removed by hand, and the next deploy made api-1-bbbb instead.
        Path orphan = lists.resolve("api-1-0ld0" + FileDrift.SUFFIX);
        Files.writeString(orphan, FileDrift.line("old\n".getBytes(StandardCharsets.UTF_8), 0444, 0, 0, "/etc/api.yaml"));

        assertThat(check(Map.of())).isEqualTo("@@files-check\n@@files api-1-aaaa\n");
        assertThat(orphan).exists();

        assertThat(check(Map.of(), List.of("tidy"))).isEqualTo("@@files-check\n@@files api-1-aaaa\n");
        assertThat(orphan).doesNotExist();
        assertThat(lists.resolve("api-1-aaaa" + FileDrift.SUFFIX)).exists();
    }

    @Test
    void aListWhoseContainerAppearedSinceTheListingIsKept() throws Exception {
        root = Files.createDirectories(tmp.resolve("containers"));
        lists = Files.createDirectories(tmp.resolve("lists"));
        // The listing (docker ps) does not show it, asking again does: created meanwhile.
        Path list = lists.resolve("api-1-cccc" + FileDrift.SUFFIX);
        Files.writeString(list, FileDrift.line("x\n".getBytes(StandardCharsets.UTF_8), 0444, 0, 0, "/etc/x"));
        Files.createDirectories(root.resolve("api-1-cccc"));

        assertThat(check(Map.of("HIDE", "api-1-cccc"), List.of("tidy"))).isEqualTo("@@files-check\n");
        assertThat(list).exists();
    }
}
