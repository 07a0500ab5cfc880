package dev.driftless.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Collects the problems of one load; every reader adds to it instead of throwing. */
final class ProblemList {

    private final List<Problem> problems = new ArrayList<>();

    void add(SourceLocation at, String message) {
        problems.add(Problem.at(at, message));
    }

    void addFile(String file, String message) {
        problems.add(Problem.at(SourceLocation.of(file), message));
    }

    /** A marker to ask later whether anything was added since (see {@link #addedSince}). */
    int mark() {
        return problems.size();
    }

    boolean addedSince(int mark) {
        return problems.size() > mark;
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Sorted by position, duplicates dropped (a base file shared by overlays can repeat one). */
    List<Problem> sorted() {
        return List.copyOf(new TreeSet<>(problems));
    }
}
