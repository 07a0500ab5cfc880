package dev.driftless.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Collects the problems of one load (a repo, or the daemon config); every reader adds to it instead of throwing. */
public final class ProblemList {

    private final List<Problem> problems = new ArrayList<>();

    public ProblemList() {
    }

    public void add(SourceLocation at, String message) {
        problems.add(Problem.at(at, message));
    }

    public void addFile(String file, String message) {
        problems.add(Problem.at(SourceLocation.of(file), message));
    }

    /** A marker to ask later whether anything was added since (see {@link #addedSince}). */
    public int mark() {
        return problems.size();
    }

    public boolean addedSince(int mark) {
        return problems.size() > mark;
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Sorted by position, duplicates dropped (a base file shared by overlays can repeat one). */
    public List<Problem> sorted() {
        return List.copyOf(new TreeSet<>(problems));
    }
}
