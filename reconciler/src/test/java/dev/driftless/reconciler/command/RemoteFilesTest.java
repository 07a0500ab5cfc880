package dev.driftless.reconciler.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RemoteFilesTest {

    @Test
    void atomicWriteRendersExactly() {
        assertThat(RemoteFiles.atomicWrite(".driftless/env/api-1.env", 0600, "abc123").render()).isEqualTo(
            "umask 077 && mkdir -p -- .driftless/env && chmod 700 -- .driftless/env && "
                + "{ cat > .driftless/env/.api-1.env.driftless-abc123 "
                + "&& chmod 600 -- .driftless/env/.api-1.env.driftless-abc123 "
                + "&& mv -f -- .driftless/env/.api-1.env.driftless-abc123 .driftless/env/api-1.env "
                + "|| { rm -f -- .driftless/env/.api-1.env.driftless-abc123; exit 1; }; }");
    }

    @Test
    void atomicWriteAsRootRunsTheSameWriteInAShellOfSudoQuotedOnceMoreAndLeavesAnExistingDirectoryAlone() {
        assertThat(RemoteFiles.atomicWriteAsRoot("/etc/systemd/system/driftless-x-1.service", 0644, "ab1").render())
            .isEqualTo("sudo -n sh -c 'umask 077 && mkdir -p -- /etc/systemd/system && "
                + "{ cat > /etc/systemd/system/.driftless-x-1.service.driftless-ab1 "
                + "&& chmod 644 -- /etc/systemd/system/.driftless-x-1.service.driftless-ab1 "
                + "&& mv -f -- /etc/systemd/system/.driftless-x-1.service.driftless-ab1 /etc/systemd/system/driftless-x-1.service "
                + "|| { rm -f -- /etc/systemd/system/.driftless-x-1.service.driftless-ab1; exit 1; }; }'");
        assertThatThrownBy(() -> RemoteFiles.atomicWriteAsRoot(".config/x.service", 0644, "a"))
            .hasMessageContaining("absolute path");
    }

    @Test
    void atomicWriteAsRootSurvivesItsSecondQuotingWithOddPaths(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path target = dir.resolve("my app $(touch x)").resolve("it's; `id`.env");
        String rendered = RemoteFiles.atomicWriteAsRoot(target.toString(), 0640, "z9").render();
        assertThat(rendered).startsWith("sudo -n sh -c '");
        // Run it as the remote shell would, with sudo's part left out: the local shell is root's here.
        Process p = new ProcessBuilder("sh", "-c", rendered.substring("sudo -n ".length())).directory(dir.toFile())
            .redirectErrorStream(true).start();
        p.getOutputStream().write("content\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        assertThat(java.nio.file.Files.readString(target)).isEqualTo("content\n");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(target)))
            .isEqualTo("rw-r-----");
        assertThat(dir.resolve("x")).doesNotExist();
        try (var files = java.nio.file.Files.list(target.getParent())) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void atomicWriteQuotesOddPaths() {
        assertThat(RemoteFiles.atomicWrite("/srv/my app/$x.env", 0644, "z9").render()).isEqualTo(
            "umask 077 && mkdir -p -- '/srv/my app' && chmod 700 -- '/srv/my app' && "
                + "{ cat > '/srv/my app/.$x.env.driftless-z9' && chmod 644 -- '/srv/my app/.$x.env.driftless-z9' "
                + "&& mv -f -- '/srv/my app/.$x.env.driftless-z9' '/srv/my app/$x.env' "
                + "|| { rm -f -- '/srv/my app/.$x.env.driftless-z9'; exit 1; }; }");
    }

    @Test
    void readRendersExactly() {
        assertThat(RemoteFiles.read("/etc/hostname").render()).isEqualTo("test -f /etc/hostname && base64 < /etc/hostname");
    }

    @Test
    void removeRendersExactly() {
        assertThat(RemoteFiles.remove("a/b c").render()).isEqualTo("rm -f -- 'a/b c'");
        assertThat(RemoteFiles.removeMatching(".driftless/env", "api-1-*.env").render())
            .isEqualTo("find .driftless/env -maxdepth 1 -type f -name 'api-1-*.env' -delete");
    }

    @Test
    void pathsThatCannotNameAFileAreRefused() {
        assertThatThrownBy(() -> RemoteFiles.read("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RemoteFiles.read("dir/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RemoteFiles.read("a/../b")).hasMessageContaining("..");
        assertThatThrownBy(() -> RemoteFiles.read("a\nb")).hasMessageContaining("line breaks");
    }

    @Test
    void writesNeedADirectoryOfTheirOwn() {
        assertThatThrownBy(() -> RemoteFiles.atomicWrite("file.env", 0600, "a"))
            .hasMessageContaining("directory of their own");
        assertThatThrownBy(() -> RemoteFiles.atomicWrite("/file.env", 0600, "a"))
            .hasMessageContaining("directory of their own");
    }

    @Test
    void badModesAndSuffixesAreRefused() {
        assertThatThrownBy(() -> RemoteFiles.atomicWrite("d/f", 01000, "a")).hasMessageContaining("mode");
        assertThatThrownBy(() -> RemoteFiles.atomicWrite("d/f", 0600, "a b")).hasMessageContaining("tmpSuffix");
        assertThat(RemoteFiles.randomSuffix()).matches("[0-9a-f]{12}");
    }
}
