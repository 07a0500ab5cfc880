package dev.driftless.reconciler.config;

import dev.driftless.model.Problem;
import java.util.List;
import java.util.stream.Collectors;

/** The configuration file cannot be used; each problem names file, line and column. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
