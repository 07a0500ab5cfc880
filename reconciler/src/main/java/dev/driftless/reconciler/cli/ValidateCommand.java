package dev.driftless.reconciler.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.driftless.model.DesiredState;
import dev.driftless.model.DirectoryTree;
import dev.driftless.model.LoadResult;
import dev.driftless.model.Problem;
import dev.driftless.model.Repo;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.SecretFingerprints;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code driftless validate}: loads an infra repo directory the way the daemon would (every
 * environment, or the one named) and prints each problem as {@code file:line:column: message},
 * or a one-line summary when there are none. Nothing is decrypted and no host is contacted.
 */
@Command(name = "validate",
    description = "Check an infra repo and report every problem with file:line:column.",
    footer = {"", "Exit status: 0 when the repo is valid, 1 when it has problems or cannot be read."})
final class ValidateCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format { text, json }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", arity = "0..1", defaultValue = ".", paramLabel = "DIR",
        description = "The infra repo directory (default: the current directory).")
    Path dir;

    @Option(names = {"-e", "--environment"}, paramLabel = "ENV",
        description = "Validate only this environment (default: every environment under environments/).")
    Optional<String> environment = Optional.empty();

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text (one problem per line) or json (for tools). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(dir)) {
            err.println("driftless validate: " + dir + " is not a directory");
            return Main.EXIT_ERROR;
        }
        DirectoryTree tree = new DirectoryTree(dir);
        List<String> environments;
        try {
            environments = environment.map(List::of).orElse(RepoLoader.environments(tree));
        } catch (IOException e) {
            err.println("driftless validate: cannot read " + dir + ": " + e.getMessage());
            return Main.EXIT_ERROR;
        }
        Map<String, LoadResult> results = new LinkedHashMap<>();
        if (environments.isEmpty()) {
            LoadResult result = RepoLoader.load(tree, Optional.empty());
            results.put(result.repo().map(Repo::environment).orElse(Repo.DEFAULT_ENVIRONMENT), result);
        } else {
            environments.forEach(env -> results.put(env, RepoLoader.load(tree, Optional.of(env))));
        }
        Report report = Report.of(results);
        if (format == Format.json) {
            out.println(report.json());
        } else if (report.problems().isEmpty()) {
            out.println(report.summary());
        } else {
            report.problems().forEach(p -> out.println(p.text(results.size())));
            int n = report.problems().size();
            err.println("driftless validate: " + n + (n == 1 ? " problem" : " problems") + " in " + dir);
        }
        out.flush();
        return report.problems().isEmpty() ? Main.EXIT_OK : Main.EXIT_ERROR;
    }

    /** A problem and the environments it occurs in (a shared base file is reported once, not per environment). */
    record Found(Problem problem, SortedSet<String> environments) {

        /**
         * The problem line; when only some of the validated environments have it, it says which,
         * unless its file already does ({@code environments/<env>/...}).
         */
        String text(int environmentsValidated) {
            boolean ownFile = environments.size() == 1
                && problem.file().startsWith("environments/" + environments.first() + "/");
            if (environments.size() == environmentsValidated || ownFile) {
                return problem.toString();
            }
            return problem + " (environment" + (environments.size() == 1 ? " " : "s ") + String.join(", ", environments) + ")";
        }
    }

    /** What one environment resolved to, when it loaded. */
    record Counts(int hosts, int services, int instances) {

        static Counts of(Repo repo) {
            DesiredState state = repo.resolve(SecretFingerprints.unresolved());
            return new Counts(repo.hosts().size(), repo.services().size(), state.instances().size());
        }

        String text() {
            return plural(hosts, "host") + ", " + plural(services, "service") + ", " + plural(instances, "instance");
        }

        private static String plural(int n, String word) {
            return n + " " + word + (n == 1 ? "" : "s");
        }
    }

    /** The outcome of validating one or more environments. */
    record Report(List<Found> problems, Map<String, Optional<Counts>> environments) {

        static Report of(Map<String, LoadResult> results) {
            TreeMap<Problem, SortedSet<String>> where = new TreeMap<>();
            Map<String, Optional<Counts>> counts = new LinkedHashMap<>();
            results.forEach((env, result) -> {
                result.problems().forEach(p -> where.computeIfAbsent(p, k -> new TreeSet<>()).add(env));
                counts.put(env, result.repo().map(Counts::of));
            });
            List<Found> found = new ArrayList<>();
            where.forEach((p, envs) -> found.add(new Found(p, envs)));
            return new Report(List.copyOf(found), counts);
        }

        String summary() {
            if (environments.size() == 1) {
                Map.Entry<String, Optional<Counts>> only = environments.entrySet().iterator().next();
                return "ok: " + only.getValue().orElseThrow().text() + " (environment " + only.getKey() + ")";
            }
            List<String> parts = new ArrayList<>();
            environments.forEach((env, c) -> parts.add(env + ": " + c.orElseThrow().text()));
            return "ok: " + environments.size() + " environments; " + String.join("; ", parts);
        }

        String json() {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = mapper.createObjectNode();
            root.put("ok", problems.isEmpty());
            ArrayNode list = root.putArray("problems");
            for (Found f : problems) {
                ObjectNode p = list.addObject();
                p.put("file", f.problem().file());
                p.put("line", f.problem().line());
                p.put("column", f.problem().column());
                p.put("message", f.problem().message());
                ArrayNode envs = p.putArray("environments");
                f.environments().forEach(envs::add);
            }
            ArrayNode envs = root.putArray("environments");
            environments.forEach((env, c) -> {
                ObjectNode e = envs.addObject();
                e.put("name", env);
                e.put("ok", c.isPresent());
                c.ifPresent(counts -> {
                    e.put("hosts", counts.hosts());
                    e.put("services", counts.services());
                    e.put("instances", counts.instances());
                });
            });
            try {
                DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                    .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
                printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
                return mapper.writer(printer).writeValueAsString(root);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a tree of plain values always serialises", e);
            }
        }
    }
}
