package dev.driftless.model;

import java.util.Objects;

/**
 * Where a definition came from: a file relative to the repo root and a 1-based line and column
 * (both 0 when the location is a file as a whole). Carried by hosts and services so later stages
 * can point a user back at the line that asked for something.
 */
public record SourceLocation(String file, int line, int column) implements Comparable<SourceLocation> {

    public SourceLocation {
        Objects.requireNonNull(file, "file");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("line and column must not be negative");
        }
    }

    /** The location of a file as a whole. */
    public static SourceLocation of(String file) {
        return new SourceLocation(file, 0, 0);
    }

    @Override
    public int compareTo(SourceLocation o) {
        int c = file.compareTo(o.file);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(line, o.line);
        return c != 0 ? c : Integer.compare(column, o.column);
    }

    /** {@code file:line:column}, the prefix of every problem line. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
