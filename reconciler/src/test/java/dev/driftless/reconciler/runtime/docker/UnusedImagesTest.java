package dev.driftless.reconciler.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class UnusedImagesTest {

    private static final String REPO = "registry:5000/shop/api";

    /** A listing as {@code docker image ls --format} prints it: newest first. */
    private static String listing(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static String line(String id, String created, String tag, String digest) {
        return "sha256:" + id + "\t" + created + " +0000 UTC\t" + tag + "\t" + digest;
    }

    @Test
    void theCommandsAreExact() {
        assertThat(UnusedImages.list(REPO).render()).isEqualTo("docker image ls --no-trunc --format"
            + " '{{.ID}}\t{{.CreatedAt}}\t{{.Tag}}\t{{.Digest}}' registry:5000/shop/api");
        assertThat(UnusedImages.inUse().render()).isEqualTo("docker ps --all --quiet --no-trunc"
            + " | xargs -r docker inspect --type container --format '{{.Image}}'");
        assertThat(UnusedImages.remove(List.of(REPO + ":1.0.0", REPO + "@sha256:ab")).render())
            .isEqualTo("docker image rm registry:5000/shop/api:1.0.0 registry:5000/shop/api@sha256:ab");
        assertThatThrownBy(() -> UnusedImages.remove(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everythingBeyondTheNewestIsRemovedUnlessAContainerUsesIt() {
        String images = listing(
            line("e5", "2026-12-05 10:00:05", "1.5.0", "<none>"),
            line("e4", "2026-12-05 10:00:04", "1.4.0", "<none>"),
            line("e3", "2026-12-05 10:00:03", "1.3.0", "<none>"),
            line("e2", "2026-12-05 10:00:02", "1.2.0", "<none>"),
            line("e1", "2026-12-05 10:00:01", "1.1.0", "<none>"));

        assertThat(UnusedImages.removable(REPO, images, "", 3)).containsExactly(REPO + ":1.2.0", REPO + ":1.1.0");
        // 1.1.0 runs (a revert went back to it): it stays, and counts among nothing else.
        assertThat(UnusedImages.removable(REPO, images, "sha256:e1\nsha256:e5\n", 2))
            .containsExactly(REPO + ":1.3.0", REPO + ":1.2.0");
        assertThat(UnusedImages.removable(REPO, images, "", 5)).isEmpty();
        assertThat(UnusedImages.removable(REPO, images, "", 1)).hasSize(4);
    }

    @Test
    void theOrderIsByCreationTimeNotByListingAndTiesKeepTheListingsOrder() {
        String images = listing(
            line("b", "2026-12-05 10:00:01", "old-but-listed-first", "<none>"),
            line("c", "2026-12-05 10:00:09", "newest", "<none>"),
            line("d", "2026-12-05 10:00:05", "same-second-1", "<none>"),
            line("a", "2026-12-05 10:00:05", "same-second-2", "<none>"));

        assertThat(UnusedImages.removable(REPO, images, "", 2))
            .containsExactly(REPO + ":same-second-2", REPO + ":old-but-listed-first");
    }

    @Test
    void theExactCreationTimesBreakTiesOfTheSameSecond() {
        String images = listing(
            line("c", "2026-12-05 10:00:05", "1.2.0", "<none>"),
            line("b", "2026-12-05 10:00:05", "1.1.0", "<none>"),
            line("a", "2026-12-05 10:00:04", "1.0.0", "<none>"));
        String created = "sha256:b\t2026-12-05T10:00:05.9Z\nsha256:c\t2026-12-05T10:00:05.1Z\n"
            + "sha256:a\tgarbage\n";

        assertThat(UnusedImages.removable(REPO, images, created, "", 1))
            .as("1.1.0 was built last within that second").containsExactly(REPO + ":1.2.0", REPO + ":1.0.0");
        assertThat(UnusedImages.created(REPO).render()).isEqualTo("docker image ls --quiet --no-trunc " + REPO
            + " | xargs -r docker image inspect --format '{{.Id}}\t{{.Created}}'");
    }

    @Test
    void anImageGoesByEveryReferenceOfItsRepositoryAndByDigestWhenUntagged() {
        String images = listing(
            line("n", "2026-12-05 10:00:09", "2.0.0", "<none>"),
            line("o", "2026-12-05 10:00:01", "1.0.0", "<none>"),
            line("o", "2026-12-05 10:00:01", "stable", "<none>"),
            line("p", "2026-12-05 10:00:00", "<none>", "sha256:beef"),
            line("q", "2026-12-04 10:00:00", "<none>", "<none>"));

        assertThat(UnusedImages.removable(REPO, images, "", 1))
            .containsExactly(REPO + ":1.0.0", REPO + ":stable", REPO + "@sha256:beef");
    }

    @Test
    void anImageWhoseAgeCannotBeReadIsKeptAndGarbageLinesAreSkipped() {
        String images = listing(
            line("n", "2026-12-05 10:00:09", "2.0.0", "<none>"),
            "sha256:x\tyesterday\t0.9.0\t<none>",
            "not a listing line",
            line("o", "2026-12-05 10:00:01", "1.0.0", "<none>"));

        assertThat(UnusedImages.removable(REPO, images, "", 1)).containsExactly(REPO + ":1.0.0");
        assertThat(UnusedImages.removable(REPO, "", "", 1)).isEmpty();
    }
}
