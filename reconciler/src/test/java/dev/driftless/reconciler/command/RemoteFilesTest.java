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
