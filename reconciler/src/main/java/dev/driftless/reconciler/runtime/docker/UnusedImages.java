package dev.driftless.reconciler.runtime.docker;

import dev.driftless.reconciler.command.RemoteCommand;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which images of one repository a host can do without: every image of the repository that no
 * container (running or stopped, driftless's or not) uses, except the {@code keep} newest. Pure
 * logic over what {@link #list} and {@link #inUse} print; {@link #remove} removes the references
 * it chose, without force, so Docker still refuses to remove an image a container started
 * meanwhile uses.
 */
public final class UnusedImages {

    /** {@code docker image ls --format}: one line per reference, tab-separated. */
    static final String LIST_FORMAT = "{{.ID}}\t{{.CreatedAt}}\t{{.Tag}}\t{{.Digest}}";
    private static final DateTimeFormatter CREATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z");
    private static final String NONE = "<none>";

    private UnusedImages() {
    }

    /** Every local image of {@code repository}, one line per tag (or digest), newest first. */
    public static RemoteCommand list(String repository) {
        return RemoteCommand.of("docker", "image", "ls", "--no-trunc", "--format", LIST_FORMAT, repository);
    }

    /**
     * The exact creation time of every image of {@code repository}, one {@code id<TAB>time} line
     * each: {@link #list} gives it to the second only, and images built in one second (a CI job
     * building several tags) would tie.
     */
    public static RemoteCommand created(String repository) {
        return RemoteCommand.of("docker", "image", "ls", "--quiet", "--no-trunc", repository)
            .pipe(RemoteCommand.of("xargs", "-r", "docker", "image", "inspect", "--format", "{{.Id}}\t{{.Created}}"));
    }

    /** The image id of every container on the host, running or not. */
    public static RemoteCommand inUse() {
        return RemoteCommand.of("docker", "ps", "--all", "--quiet", "--no-trunc")
            .pipe(RemoteCommand.of("xargs", "-r", "docker", "inspect", "--type", "container", "--format", "{{.Image}}"));
    }

    /**
     * Removes the references: an image goes with its last reference, unless a container uses it
     * (then Docker refuses that one and removes the others). Never forced.
     */
    public static RemoteCommand remove(Collection<String> references) {
        if (references.isEmpty()) {
            throw new IllegalArgumentException("nothing to remove");
        }
        return RemoteCommand.builder("docker").add("image", "rm").addAll(List.copyOf(references)).build();
    }

    /**
     * The references to remove, given {@link #list}'s and {@link #inUse}'s output: those of every
     * image (by id) that no container uses, beyond the {@code keep} newest images of the
     * repository (images in use count among them). An image whose creation time cannot be read
     * is kept.
     */
    public static List<String> removable(String repository, String listing, String inUseOutput, int keep) {
        return removable(repository, listing, "", inUseOutput, keep);
    }

    /**
     * As {@link #removable(String, String, String, int)}, ordered by the exact creation times
     * {@link #created} printed where it printed one for an image.
     */
    public static List<String> removable(String repository, String listing, String createdOutput, String inUseOutput,
                                         int keep) {
        Map<String, Instant> exact = new java.util.HashMap<>();
        for (String line : createdOutput.lines().toList()) {
            String[] f = line.split("\t", -1);
            if (f.length == 2 && !f[0].isBlank()) {
                try {
                    exact.put(f[0].strip(), Instant.parse(f[1].strip()));
                } catch (DateTimeParseException e) {
                    // the listing's time, to the second, will do
                }
            }
        }
        Set<String> used = Set.copyOf(inUseOutput.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        Map<String, Image> images = new LinkedHashMap<>();
        for (String line : listing.lines().toList()) {
            String[] f = line.split("\t", -1);
            if (f.length < 4 || f[0].isBlank()) {
                continue;
            }
            Instant listed = listedTime(f[1]);
            // An image whose listed age cannot be read is kept, whatever inspect said.
            Image image = images.computeIfAbsent(f[0].strip(), id -> new Image(id,
                listed == null ? null : exact.getOrDefault(id, listed), new ArrayList<>()));
            String tag = f[2].strip();
            String digest = f[3].strip();
            if (!tag.equals(NONE) && !tag.isEmpty()) {
                image.references.add(repository + ":" + tag);
            } else if (!digest.equals(NONE) && !digest.isEmpty()) {
                image.references.add(repository + "@" + digest);
            }
        }
        List<Image> newestFirst = images.values().stream()
            .sorted(Comparator.comparing(Image::created, Comparator.nullsFirst(Comparator.naturalOrder())).reversed())
            .toList();
        List<String> out = new ArrayList<>();
        for (int i = keep; i < newestFirst.size(); i++) {
            Image image = newestFirst.get(i);
            if (image.created() != null && !used.contains(image.id())) {
                out.addAll(image.references());
            }
        }
        return List.copyOf(out);
    }

    /** Docker's {@code 2026-12-06 10:11:12 +0000 UTC}; null when it reads otherwise. */
    private static Instant listedTime(String text) {
        String[] parts = text.strip().split(" ");
        if (parts.length < 3) {
            return null;
        }
        try {
            return OffsetDateTime.parse(parts[0] + " " + parts[1] + " " + parts[2], CREATED).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private record Image(String id, Instant created, List<String> references) {
    }
}
