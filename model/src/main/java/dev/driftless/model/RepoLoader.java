package dev.driftless.model;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The entry point of the model: reads an infra repo tree, validates all of it and returns either
 * every problem found or the {@link Repo} of one environment. Bad input never throws; each
 * defect becomes a {@link Problem} at its file, line and column.
 */
public final class RepoLoader {

    private RepoLoader() {
    }

    /**
     * Loads {@code environment} of the repo in {@code tree}. A repo without an
     * {@code environments/} directory has one environment, {@link Repo#DEFAULT_ENVIRONMENT}, and
     * takes {@code Optional.empty()}; a repo with one needs an environment named.
     */
    public static LoadResult load(RepoTree tree, Optional<String> environment) {
        Objects.requireNonNull(tree, "tree");
        Objects.requireNonNull(environment, "environment");
        ProblemList problems = new ProblemList();
        Optional<Repo> repo = new RepoLoad(tree, problems).run(environment);
        return problems.isEmpty() ? LoadResult.of(repo.orElseThrow()) : LoadResult.failed(problems.sorted());
    }

    /**
     * The environments of the repo ({@code environments/<name>/}), sorted; empty for a repo that
     * has none and is loaded with {@code Optional.empty()}.
     */
    public static List<String> environments(RepoTree tree) throws IOException {
        return RepoLayout.environments(tree.files());
    }
}
