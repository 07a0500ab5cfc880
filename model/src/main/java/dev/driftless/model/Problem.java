package dev.driftless.model;

import java.util.Comparator;
import java.util.Objects;

/**
 * One defect found in an infra repo, in the form editors and CI logs understand:
 * {@code file:line:column: message}. The file is relative to the repo root; line and column are
 * 1-based, or 0 when the problem is about a file as a whole (e.g. a missing {@code hosts.yaml}).
 */
public record Problem(String file, int line, int column, String message) implements Comparable<Problem> {

    private static final Comparator<Problem> ORDER = Comparator.comparing(Problem::file)
        .thenComparingInt(Problem::line)
        .thenComparingInt(Problem::column)
        .thenComparing(Problem::message);

    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("line and column must not be negative");
        }
    }

    /** A problem at a location. */
    public static Problem at(SourceLocation location, String message) {
        return new Problem(location.file(), location.line(), location.column(), message);
    }

    /** Where the problem is. */
    public SourceLocation location() {
        return new SourceLocation(file, line, column);
    }

    /** Sorts by file, line, column (then message, so equal positions sort stably). */
    @Override
    public int compareTo(Problem o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
