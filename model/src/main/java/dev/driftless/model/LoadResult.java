package dev.driftless.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link RepoLoader#load}: every problem found, sorted by position, and the repo
 * only when there are none.
 */
public record LoadResult(List<Problem> problems, Optional<Repo> repo) {

    public LoadResult {
        problems = problems.stream().sorted().distinct().toList();
        Objects.requireNonNull(repo, "repo");
        if (problems.isEmpty() == repo.isEmpty()) {
            throw new IllegalArgumentException("a load yields a repo exactly when it found no problems");
        }
    }

    static LoadResult of(Repo repo) {
        return new LoadResult(List.of(), Optional.of(repo));
    }

    static LoadResult failed(List<Problem> problems) {
        return new LoadResult(problems, Optional.empty());
    }

    /** True when the repo loaded without problems. */
    public boolean ok() {
        return repo.isPresent();
    }
}
