package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One load of one environment: reads hosts, services (with overlays) and secrets files, then
 * runs the checks that span files. Problems found early do not stop later checks; instead,
 * whatever failed to read is left out of them, so one mistake is reported once, not again as
 * "unknown host" or "unknown service" wherever it is used.
 */
final class RepoLoad {

    private final RepoTree tree;
    private final ProblemList problems;
    private List<String> files = List.of();
    private Set<String> fileSet = Set.of();
    /** {@code ""} or {@code environments/<env>/}: where an environment's own files are looked up first. */
    private String envRoot = "";
    private Set<String> symlinks = Set.of();

    RepoLoad(RepoTree tree, ProblemList problems) {
        this.tree = tree;
        this.problems = problems;
    }

    Optional<Repo> run(Optional<String> requested) {
        List<String> symlinks;
        try {
            files = tree.files();
            symlinks = tree.symlinks();
        } catch (IOException e) {
            problems.addFile(".", "cannot read " + tree.describe() + ": " + describe(e));
            return Optional.empty();
        }
        fileSet = new HashSet<>(files);
        this.symlinks = new HashSet<>(symlinks);
        List<String> environments = RepoLayout.environments(files);
        String environment;
        Optional<String> envDir;
        if (environments.isEmpty()) {
            if (requested.isPresent()) {
                problems.addFile("environments", "this repo has no environments/ directory, so no environment \""
                    + requested.get() + "\"; load it without choosing an environment");
                return Optional.empty();
            }
            environment = Repo.DEFAULT_ENVIRONMENT;
            envDir = Optional.empty();
        } else {
            if (requested.isEmpty()) {
                problems.addFile("environments", "this repo has environments (" + String.join(", ", environments)
                    + "): choose one");
                return Optional.empty();
            }
            if (!environments.contains(requested.get())) {
                problems.addFile("environments", "no environment \"" + requested.get() + "\": environments/ has "
                    + String.join(", ", environments) + Suggestions.hint(requested.get(), environments));
                return Optional.empty();
            }
            environment = requested.get();
            envDir = Optional.of(environment);
            if (!Names.isName(environment)) {
                problems.addFile(RepoLayout.ENVIRONMENTS + environment, "environment name \"" + environment
                    + "\" is not a safe name: " + Names.NAME_RULE);
            }
            if (fileSet.contains(RepoLayout.HOSTS)) {
                problems.addFile(RepoLayout.HOSTS, "not used in a repo with environments/: each environment has its own "
                    + "environments/<env>/hosts.yaml; move or remove this one");
            }
        }
        envRoot = RepoLayout.root(envDir);
        reportSymlinks(symlinks, envRoot);

        String hostsFile = envRoot + RepoLayout.HOSTS;
        HostsReader.Result hosts = readHosts(hostsFile);
        Services services = readServices(envRoot);
        List<String> secretPaths = files.stream()
            .filter(f -> directlyIn(f, RepoLayout.SECRETS) || !envRoot.isEmpty() && directlyIn(f, envRoot + RepoLayout.SECRETS))
            .filter(SecretFiles::isSecretsFile)
            .toList();
        SecretFiles secrets = new SecretFiles(secretPaths, envRoot, this::read, problems);
        SortedMap<String, Service> resolved = new CrossCheck(hostsFile, hosts, services, secrets, environment).run();
        SortedMap<String, RegistryLogin> registries = new TreeMap<>();
        hosts.registries().forEach((name, login) -> secrets.resolve(login.password(), login.source(),
                "registries." + name + ".password", problems)
            .ifPresent(ref -> registries.put(name, new RegistryLogin(name, login.username(), ref, login.source()))));
        if (!problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Repo(environment, hosts.hosts(), resolved, registries));
    }

    // ---- reading ----

    private Optional<byte[]> read(String path) {
        try {
            return Optional.of(tree.read(path));
        } catch (IOException e) {
            problems.addFile(path, "cannot read: " + describe(e));
            return Optional.empty();
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage();
    }

    private static boolean directlyIn(String file, String dir) {
        return file.startsWith(dir) && file.indexOf('/', dir.length()) < 0 && file.length() > dir.length();
    }

    private void reportSymlinks(List<String> symlinks, String envRoot) {
        for (String link : symlinks) {
            boolean relevant = link.equals(envRoot + RepoLayout.HOSTS)
                || link.startsWith(RepoLayout.SERVICES) || link.startsWith(RepoLayout.SECRETS)
                || !envRoot.isEmpty() && link.startsWith(envRoot);
            if (relevant) {
                problems.addFile(link, "is a symbolic link; driftless reads files as committed and does not follow links");
            }
        }
    }

    private HostsReader.Result readHosts(String hostsFile) {
        if (!fileSet.contains(hostsFile)) {
            problems.addFile(hostsFile, "missing: the repo needs " + hostsFile + " listing its hosts"
                + (hostsFile.equals(RepoLayout.HOSTS) ? " (is this the root of the infra repo?)" : ""));
            return HostsReader.Result.unreadable();
        }
        return read(hostsFile).flatMap(bytes -> YamlReader.read(hostsFile, bytes, problems))
            .map(root -> HostsReader.read(root, problems))
            .orElse(HostsReader.Result.unreadable());
    }

    /** What the service files of the environment hold. */
    record Services(Map<String, ServiceSpec> enabled, Set<String> defined, Set<String> disabled) {
    }

    private Services readServices(String envRoot) {
        Optional<YamlMap> defaults = serviceDefaults(envRoot);
        Map<String, String> base = serviceFiles(RepoLayout.SERVICES);
        Map<String, String> overlays = envRoot.isEmpty() ? Map.of() : serviceFiles(envRoot + RepoLayout.SERVICES);
        TreeSet<String> names = new TreeSet<>(base.keySet());
        names.addAll(overlays.keySet());
        Map<String, ServiceSpec> enabled = new TreeMap<>();
        Set<String> disabled = new TreeSet<>();
        for (String name : names) {
            Optional<YamlMap> baseMap = Optional.empty();
            Optional<YamlMap> overlayMap = Optional.empty();
            if (base.containsKey(name)) {
                baseMap = serviceFile(base.get(name), name);
                if (baseMap.isEmpty()) {
                    continue;
                }
            }
            if (overlays.containsKey(name)) {
                overlayMap = serviceFile(overlays.get(name), name);
                if (overlayMap.isEmpty()) {
                    continue;
                }
            }
            YamlMap merged;
            if (baseMap.isPresent() && overlayMap.isPresent()) {
                merged = YamlMerge.merge(baseMap.get(), overlayMap.get());
            } else if (baseMap.isPresent()) {
                merged = baseMap.get();
            } else {
                merged = overlayMap.orElseThrow();
                if (merged.keys().stream().allMatch(k -> k.equals("enabled") || k.equals("name"))) {
                    problems.add(merged.location(), "this overlay changes service \"" + name + "\", but services/ does not define it"
                        + Suggestions.hint(name, base.keySet()));
                    continue;
                }
                if (!merged.keys().contains("image") && !merged.keys().contains("command")) {
                    // Most likely an overlay whose base is misnamed, not a new service missing half its fields.
                    problems.add(merged.location(), "services/ has no " + name + ".yaml for this file to change; a service of"
                        + " this environment alone needs a complete definition (an image or command, and placement)"
                        + Suggestions.hint(name, base.keySet()));
                    continue;
                }
            }
            Optional<Boolean> on = merged.get("enabled").flatMap(n -> FieldReader.bool(n, "enabled", problems));
            if (on.isPresent() && !on.get()) {
                disabled.add(name);
                continue;
            }
            YamlMap own = merged;
            ServiceSpec spec = ServiceReader.read(name, defaults.map(d -> YamlMerge.underDefaults(forService(d, own), own))
                .orElseGet(() -> withoutNulls(own)), own.location(), problems);
            spec.inherited = defaults.map(d -> d.keys().stream().filter(k -> !own.keys().contains(k))
                .collect(Collectors.toUnmodifiableSet())).orElse(Set.of());
            enabled.put(name, spec);
        }
        return new Services(enabled, names, disabled);
    }

    /**
     * A service with nothing to inherit: {@code logging: ~} and the like (not even the defaults)
     * say what leaving the field out says.
     */
    private static YamlMap withoutNulls(YamlMap service) {
        return new YamlMap(service.entries().stream().filter(e -> !(ServiceReader.DEFAULT_FIELDS.contains(e.key().text())
            && e.value() instanceof YamlScalar s && s.isNull())).toList(), service.location());
    }

    /**
     * The defaults without the variables the service sets itself the other way (an env variable
     * of the defaults the service sets as a secret, a secret it sets in env): its own wins.
     */
    private static YamlMap forService(YamlMap defaults, YamlMap service) {
        YamlMap d = without(without(defaults, "env", namesIn(service, "secrets")), "secrets", namesIn(service, "env"));
        // A service's own probe replaces the defaults' (one probe per check); the defaults' timings
        // alone make no check for a service without one.
        Set<String> ownHealth = namesIn(service, "health");
        if (ownHealth.stream().anyMatch(ServiceReader.PROBES::contains)) {
            d = without(d, "health", Set.copyOf(ServiceReader.PROBES));
        }
        boolean defaultProbe = namesIn(d, "health").stream().anyMatch(ServiceReader.PROBES::contains);
        if (!defaultProbe && !service.keys().contains("health")) {
            d = new YamlMap(d.entries().stream().filter(e -> !e.key().text().equals("health")).toList(), d.location());
        }
        return d;
    }

    private static Set<String> namesIn(YamlMap map, String key) {
        return map.get(key).filter(YamlMap.class::isInstance).map(m -> Set.copyOf(((YamlMap) m).keys())).orElse(Set.of());
    }

    /** {@code defaults} with the entries named {@code names} left out of its mapping {@code key}. */
    private static YamlMap without(YamlMap defaults, String key, Set<String> names) {
        if (names.isEmpty()) {
            return defaults;
        }
        return new YamlMap(defaults.entries().stream().map(e -> e.key().text().equals(key) && e.value() instanceof YamlMap m
            ? new YamlMap.Entry(e.key(), new YamlMap(m.entries().stream().filter(v -> !names.contains(v.key().text()))
                .toList(), m.location())) : e).toList(), defaults.location());
    }

    /**
     * The fields every service inherits: {@code service-defaults.yaml}, with the environment's
     * own over it (merged as an overlay is). Fields it may not set are reported and left out.
     */
    private Optional<YamlMap> serviceDefaults(String envRoot) {
        Optional<YamlMap> shared = defaultsFile(RepoLayout.SERVICE_DEFAULTS);
        Optional<YamlMap> own = envRoot.isEmpty() ? Optional.empty() : defaultsFile(envRoot + RepoLayout.SERVICE_DEFAULTS);
        if (shared.isPresent() && own.isPresent()) {
            return Optional.of(YamlMerge.merge(shared.get(), own.get()));
        }
        return shared.isPresent() ? shared : own;
    }

    private Optional<YamlMap> defaultsFile(String path) {
        if (!fileSet.contains(path)) {
            return Optional.empty();
        }
        Optional<YamlNode> root = read(path).flatMap(bytes -> YamlReader.read(path, bytes, problems));
        if (root.isEmpty() || root.get() instanceof YamlScalar s && s.isNull()) {
            return Optional.empty();
        }
        Optional<YamlMap> map = FieldReader.mapping(root.get(), RepoLayout.SERVICE_DEFAULTS, problems);
        if (map.isEmpty()) {
            return map;
        }
        List<YamlMap.Entry> kept = new ArrayList<>();
        for (YamlMap.Entry e : map.get().entries()) {
            String key = e.key().text();
            if (!ServiceReader.DEFAULT_FIELDS.contains(key)) {
                problems.add(e.key().location(), (ServiceReader.FIELDS.contains(key) ? key + " is not a default: it"
                    + " belongs in each service's own file" : "unknown field \"" + key + "\""
                    + Suggestions.hint(key, ServiceReader.DEFAULT_FIELDS)) + "; " + RepoLayout.SERVICE_DEFAULTS
                    + " sets " + String.join(", ", ServiceReader.DEFAULT_FIELDS));
                continue;
            }
            if (key.equals("rollout") && e.value() instanceof YamlMap rollout && rollout.get("pre-deploy").isPresent()) {
                List<YamlMap.Entry> rest = new ArrayList<>();
                for (YamlMap.Entry r : rollout.entries()) {
                    if (r.key().text().equals("pre-deploy")) {
                        problems.add(r.key().location(), "rollout.pre-deploy is not a default: a pre-deploy job runs"
                            + " one service's image; write it in that service's own file");
                    } else {
                        rest.add(r);
                    }
                }
                kept.add(new YamlMap.Entry(e.key(), new YamlMap(rest, rollout.location())));
                continue;
            }
            kept.add(e);
        }
        return Optional.of(new YamlMap(kept, map.get().location()));
    }

    /** Service name to file for the service files directly in {@code dir}, reporting stray files. */
    private Map<String, String> serviceFiles(String dir) {
        Map<String, String> byName = new TreeMap<>();
        Set<String> subdirs = new TreeSet<>();
        for (String f : files) {
            if (!f.startsWith(dir)) {
                continue;
            }
            String rest = f.substring(dir.length());
            if (rest.contains("/")) {
                subdirs.add(dir + rest.substring(0, rest.indexOf('/')));
                continue;
            }
            if (rest.startsWith(".") || rest.endsWith(".md")) {
                continue;
            }
            Optional<String> name = RepoLayout.serviceName(rest);
            if (name.isEmpty()) {
                problems.addFile(f, "not a service file: " + dir + " holds one <service>.yaml file per service");
                continue;
            }
            if (!Names.isName(name.get())) {
                problems.addFile(f, "\"" + name.get() + "\" is not a safe service name: " + Names.NAME_RULE
                    + " (a service is named by its file)");
                continue;
            }
            String twin = byName.putIfAbsent(name.get(), f);
            if (twin != null) {
                problems.addFile(f, "duplicate service \"" + name.get() + "\": " + twin + " defines it too");
            }
        }
        subdirs.forEach(d -> problems.addFile(d, "is a directory; " + dir + " holds one <service>.yaml file per service"
            + " and does not read subdirectories"));
        return byName;
    }

    /** The mapping in a service file (base or overlay), checking its {@code name:} against the file name. */
    private Optional<YamlMap> serviceFile(String path, String name) {
        Optional<YamlNode> root = read(path).flatMap(bytes -> YamlReader.read(path, bytes, problems));
        if (root.isEmpty()) {
            return Optional.empty();
        }
        if (root.get() instanceof YamlScalar s && s.isNull()) {
            problems.add(s.location(), "empty file: a service needs at least image and placement");
            return Optional.empty();
        }
        Optional<YamlMap> map = FieldReader.mapping(root.get(), "a service file", problems);
        map.flatMap(m -> m.get("name")).ifPresent(n -> FieldReader.text(n, "name", problems)
            .filter(written -> !written.equals(name))
            .ifPresent(written -> problems.add(n.location(), "name \"" + written + "\" does not match the file name "
                + path + "; a service is named by its file, so write name: " + name + " or rename the file")));
        return map;
    }

    // ---- checks across files ----

    /** The checks that need more than one file, and the final records. */
    private final class CrossCheck {
        private final String hostsFile;
        private final HostsReader.Result hosts;
        private final Services services;
        private final SecretFiles secrets;
        private final String environment;
        private final Map<String, List<Host>> placed = new HashMap<>();

        CrossCheck(String hostsFile, HostsReader.Result hosts, Services services, SecretFiles secrets, String environment) {
            this.hostsFile = hostsFile;
            this.hosts = hosts;
            this.services = services;
            this.secrets = secrets;
            this.environment = environment;
        }

        SortedMap<String, Service> run() {
            SortedMap<String, Service> out = new TreeMap<>();
            for (ServiceSpec spec : services.enabled().values()) {
                List<Host> on = placement(spec);
                placed.put(spec.name, on);
                Runtime runtime = runtime(spec, on);
                runtimeRules(spec, runtime);
                SortedMap<String, SecretRef> resolved = secrets(spec);
                List<ServiceFile> files = files(spec);
                after(spec);
                startFirst(spec, runtime);
                if (spec.placement.isPresent()) {
                    out.put(spec.name, spec.toService(runtime, resolved, files));
                }
            }
            cycles();
            ports();
            return out;
        }

        private List<Host> placement(ServiceSpec spec) {
            if (spec.placement.isEmpty()) {
                return List.of();
            }
            Placement p = spec.placement.get();
            for (int i = 0; i < p.hosts().size(); i++) {
                String host = p.hosts().get(i);
                if (!hosts.names().isEmpty() && !hosts.names().contains(host)) {
                    problems.add(spec.placementHostAt.get(i), "placement.hosts: " + hostsFile + " has no host \"" + host + "\""
                        + Suggestions.hint(host, hosts.names()));
                }
            }
            List<Host> on = hosts.hosts().values().stream().filter(p::selects).toList();
            if (!p.selector().isEmpty() && on.isEmpty() && hosts.complete()) {
                problems.add(spec.selectorAt, "placement.selector " + render(p.selector()) + " matches no host in " + hostsFile);
            }
            String from = p.selector().isEmpty() ? "placement.hosts names" : "placement.selector "
                + render(p.selector()) + " matches";
            if (p.count() > on.size() && !on.isEmpty() && hosts.complete()) {
                problems.add(spec.countAt, "placement.count is " + p.count() + ", but " + from + " only " + on.size()
                    + (on.size() == 1 ? " host" : " hosts") + " (" + someNames(on) + "), and count places one"
                    + " instance per host: lower count, or add hosts");
            }
            p.spread().filter(label -> !on.isEmpty() && on.stream().noneMatch(h -> h.labels().containsKey(label)))
                .ifPresent(label -> problems.add(spec.spreadAt, "placement.spread: none of the hosts the service may"
                    + " run on (" + someNames(on) + ") has label \"" + label + "\""));
            return p.choose(spec.name, on);
        }

        /** The names of the first ten hosts, and how many there are when there are more. */
        private static String someNames(List<Host> hosts) {
            String first = hosts.stream().limit(10).map(Host::name).collect(Collectors.joining(", "));
            return hosts.size() <= 10 ? first : first + ", … (" + hosts.size() + " in all)";
        }

        private Runtime runtime(ServiceSpec spec, List<Host> on) {
            if (spec.runtime.isPresent()) {
                return spec.runtime.get();
            }
            Map<Runtime, List<String>> byRuntime = on.stream().collect(Collectors.groupingBy(Host::runtime,
                TreeMap::new, Collectors.mapping(Host::name, Collectors.toList())));
            if (byRuntime.size() > 1) {
                String which = on.stream().map(h -> h.name() + ": " + h.runtime().text()).collect(Collectors.joining(", "));
                problems.add(spec.placementAt, "this service's hosts use different runtimes (" + which
                    + "): set runtime: docker or runtime: systemd in the service");
            }
            return byRuntime.isEmpty() ? Runtime.DOCKER : byRuntime.keySet().iterator().next();
        }

        private void runtimeRules(ServiceSpec spec, Runtime runtime) {
            switch (runtime) {
                case DOCKER -> {
                    if (spec.imageAt == null && !spec.misspelled.contains("image")) {
                        problems.add(spec.source, "missing required field \"image\": a docker service runs an image,"
                            + " e.g. image: registry:5000/shop/api:1.0.0");
                    }
                    spec.files.removeIf(file -> {
                        boolean relative = !file.target().startsWith("/");
                        if (relative) {
                            problems.add(file.targetAt(), file.field() + ".target " + ServiceReader.containerPathProblem(
                                file.target()));
                        }
                        return relative;
                    });
                }
                case SYSTEMD -> {
                    String why = "the systemd runtime runs a command as a unit, without containers";
                    if (spec.imageAt != null) {
                        problems.add(spec.imageAt, "image: " + why + "; remove image or set runtime: docker");
                    }
                    if (spec.command.isEmpty() && !spec.misspelled.contains("command")) {
                        problems.add(spec.source, "missing required field \"command\": " + why);
                    } else if (!spec.command.isEmpty() && !spec.command.getFirst().startsWith("/")) {
                        problems.add(spec.commandAt == null ? spec.source : spec.commandAt, "command[0]: a systemd"
                            + " service starts its program by absolute path, got \"" + spec.command.getFirst()
                            + "\"; write e.g. /usr/bin/" + spec.command.getFirst().replaceAll("^[-@:+!]+", ""));
                    }
                    if (!spec.volumeAt.isEmpty()) {
                        problems.add(spec.volumeAt.getFirst(), "volumes: " + why + ", so there is nothing to mount into");
                    }
                    for (ServiceSpec.FileSpec file : spec.files) {
                        if (file.target().startsWith("/")) {
                            problems.add(file.targetAt(), file.field() + ".target: a systemd service's files go into"
                                + " a directory of each instance, its program's working directory, so the target is a"
                                + " path in it, e.g. " + file.target().substring(file.target().lastIndexOf('/') + 1)
                                + ", got \"" + file.target() + "\"");
                        }
                        file.ownerAt().ifPresent(at -> problems.add(at, file.field() + ": a systemd service's files"
                            + " belong to the user its program runs as (the service's user, else the SSH user), so"
                            + " uid and gid do not apply; remove them"));
                    }
                    // Container settings of service-defaults.yaml are for the Docker services.
                    if (spec.inherited.contains("logging")) {
                        spec.logging = Optional.empty();
                    } else if (spec.loggingAt != null) {
                        problems.add(spec.loggingAt, "logging sets a container's log driver: " + why
                            + "; a unit logs to the journal, rotated by journald");
                    }
                    if (spec.inherited.contains("labels")) {
                        spec.labels.clear();
                    } else if (spec.labelsAt != null && !spec.labels.isEmpty()) {
                        problems.add(spec.labelsAt, "labels are container labels: " + why);
                    }
                    if (spec.inherited.contains("network")) {
                        spec.networks = List.of();
                    } else if (!spec.networks.isEmpty()) {
                        problems.add(spec.networkAt, "network is a Docker network to attach containers to: " + why
                            + "; a unit uses the host's network");
                    }
                    if (spec.inherited.contains("health") && spec.health.filter(h -> h.probe() instanceof DockerProbe)
                            .isPresent()) {
                        // A default that asks Docker is for the Docker services.
                        spec.health = Optional.empty();
                    }
                    spec.rollout.preDeploy().map(j -> j.command().getFirst()).filter(p -> !p.startsWith("/"))
                        .ifPresent(p -> problems.add(spec.preDeployAt, "rollout.pre-deploy.command[0]: a systemd"
                            + " service's job runs on the host, by absolute path, got \"" + p + "\"; write e.g. /usr/bin/"
                            + p.replaceAll("^[-@:+!]+", "")));
                    spec.health.filter(h -> h.probe() instanceof DockerProbe).ifPresent(h ->
                        problems.add(spec.probeAt, "health.docker asks Docker for a container's health: " + why));
                    for (int i = 0; i < spec.ports.size(); i++) {
                        PortMapping p = spec.ports.get(i);
                        if (p.ephemeral()) {
                            // For a unit, "8080" means the port the process listens on.
                            spec.ports.set(i, new PortMapping(p.hostIp(), p.containerPort(), p.containerPort(), p.protocol()));
                        } else if (p.hostPort() != p.containerPort()) {
                            problems.add(spec.portAt.get(i), "ports[" + i + "]: a systemd service listens on its ports"
                                + " directly, so it cannot map " + p.hostPort() + " to " + p.containerPort() + "; write \""
                                + p.containerPort() + "\"");
                        }
                    }
                }
            }
        }

        private SortedMap<String, SecretRef> secrets(ServiceSpec spec) {
            SortedMap<String, SecretRef> resolved = new TreeMap<>();
            spec.secrets.forEach((key, ref) -> {
                SourceLocation at = spec.secretAt.get(key);
                if (spec.env.containsKey(key)) {
                    problems.add(at, "secrets." + key + ": " + key + " is also set in env; a variable comes from one place");
                    return;
                }
                secrets.resolve(ref, at, "secrets." + key, problems).ifPresent(r -> resolved.put(key, r));
            });
            return resolved;
        }

        /**
         * Each file with its content found: a repo file read (the environment's own copy first, as
         * for secrets files), a secret reference resolved. Problems say what is missing or too big.
         */
        private List<ServiceFile> files(ServiceSpec spec) {
            List<ServiceFile> out = new ArrayList<>();
            for (ServiceSpec.FileSpec file : spec.files) {
                Optional<ServiceFile.Content> content;
                if (file.source().isPresent()) {
                    content = repoFile(file, file.source().get());
                } else if (file.secret().isPresent()) {
                    content = secrets.resolve(file.secret().get(), file.contentAt(), file.field() + ".secret", problems)
                        .map(ServiceFile.Secret::new);
                } else {
                    content = sized(file, "content", "", file.inline().orElseThrow().getBytes(StandardCharsets.UTF_8));
                }
                content.ifPresent(c -> out.add(new ServiceFile(file.target(), c, file.mode(), file.uid(), file.gid(),
                    file.drift(), file.at())));
            }
            return out;
        }

        private Optional<ServiceFile.Content> repoFile(ServiceSpec.FileSpec file, String source) {
            String own = envRoot + source;
            String path = fileSet.contains(own) ? own : source;
            if (!fileSet.contains(path) && (symlinks.contains(own) || symlinks.contains(source))) {
                problems.add(file.contentAt(), file.field() + ".source: " + (symlinks.contains(own) ? own : source)
                    + " is a symbolic link; driftless reads files as committed and does not follow links");
                return Optional.empty();
            }
            if (!fileSet.contains(path)) {
                String where = envRoot.isEmpty() ? "" : " (looked in " + envRoot + " and the repo's root)";
                String dir = source.contains("/") ? source.substring(0, source.lastIndexOf('/') + 1) : "";
                List<String> near = files.stream().filter(f -> f.startsWith(dir) && f.indexOf('/', dir.length()) < 0)
                    .toList();
                problems.add(file.contentAt(), file.field() + ".source: " + source + " does not exist" + where
                    + Suggestions.hint(source, near));
                return Optional.empty();
            }
            return read(path).flatMap(bytes -> sized(file, "source", path, bytes));
        }

        private Optional<ServiceFile.Content> sized(ServiceSpec.FileSpec file, String key, String path, byte[] bytes) {
            if (bytes.length > ServiceFile.MAX_BYTES) {
                problems.add(file.contentAt(), file.field() + "." + key + ": " + (path.isEmpty() ? "the text" : path)
                    + " is " + bytes.length + " bytes; a file placed into containers may be at most 1 MiB"
                    + " (configuration, not data: mount a volume for data)");
                return Optional.empty();
            }
            return Optional.of(new ServiceFile.Plain(path, bytes));
        }

        private void after(ServiceSpec spec) {
            for (int i = 0; i < spec.after.size(); i++) {
                String dep = spec.after.get(i);
                SourceLocation at = spec.afterAt.get(i);
                if (dep.equals(spec.name)) {
                    problems.add(at, "after: a service cannot come after itself");
                } else if (services.disabled().contains(dep)) {
                    problems.add(at, "after names \"" + dep + "\", which is disabled in environment " + environment);
                } else if (!services.defined().contains(dep)) {
                    problems.add(at, "after names unknown service \"" + dep + "\"" + Suggestions.hint(dep, services.defined()));
                }
            }
        }

        private void startFirst(ServiceSpec spec, Runtime runtime) {
            if (spec.rollout.order() != RolloutOrder.START_FIRST) {
                return;
            }
            for (int i = 0; i < spec.ports.size(); i++) {
                PortMapping p = spec.ports.get(i);
                if (runtime == Runtime.SYSTEMD) {
                    problems.add(spec.rolloutOrderAt, "rollout.order start-first runs the new unit beside the old one,"
                        + " but both would listen on port " + p.hostPort() + "/" + p.protocol() + " (ports[" + i
                        + "]); use order: stop-first");
                    return;
                }
                if (!p.ephemeral()) {
                    problems.add(spec.rolloutOrderAt, "rollout.order start-first runs the new instance beside the old one,"
                        + " but ports[" + i + "] fixes host port " + p.hostPort() + "/" + p.protocol()
                        + ", which only one of them can bind; use order: stop-first, or publish the container port only (\""
                        + p.containerPort() + "\")");
                    return;
                }
            }
        }

        private void cycles() {
            Map<String, List<String>> edges = new LinkedHashMap<>();
            services.enabled().values().forEach(s -> edges.put(s.name, s.after));
            for (List<String> cycle : new ServiceGraph(edges).cycles()) {
                ServiceSpec first = services.enabled().get(cycle.getFirst());
                SourceLocation at = first.afterAt.get(first.after.indexOf(cycle.get(1)));
                problems.add(at, "after forms a cycle: " + String.join(" → ", cycle));
            }
        }

        /** Two instances on one host may not publish the same host port (on overlapping addresses). */
        private void ports() {
            Set<String> reported = new HashSet<>();
            // The services on each host, in service order: one pass over the placements, not one per host.
            Map<String, Set<ServiceSpec>> onHost = new HashMap<>();
            for (ServiceSpec s : services.enabled().values()) {
                for (Host h : placed.getOrDefault(s.name, List.of())) {
                    onHost.computeIfAbsent(h.name(), n -> new LinkedHashSet<>()).add(s);
                }
            }
            for (Host host : hosts.hosts().values()) {
                Set<ServiceSpec> on = onHost.getOrDefault(host.name(), Set.of());
                List<ServiceSpec> earlier = new ArrayList<>();
                for (ServiceSpec spec : on) {
                    for (int i = 0; i < spec.ports.size(); i++) {
                        PortMapping p = spec.ports.get(i);
                        if (p.ephemeral()) {
                            continue;
                        }
                        int replicas = spec.placement.map(Placement::replicas).orElse(1);
                        if (replicas > 1 && reported.add(spec.name + "#" + i + "#replicas")) {
                            problems.add(spec.portAt.get(i), "ports[" + i + "]: host port " + p.hostPort() + "/" + p.protocol()
                                + " can be published by one instance per host, but placement.replicas is " + replicas
                                + "; publish the container port only (\"" + p.containerPort() + "\") or use one replica");
                        }
                        for (ServiceSpec other : earlier) {
                            for (int j = 0; j < other.ports.size(); j++) {
                                PortMapping q = other.ports.get(j);
                                if (clash(p, q) && reported.add(spec.name + "#" + i + "#" + other.name)) {
                                    problems.add(spec.portAt.get(i), "ports[" + i + "]: host port " + p.hostPort() + "/"
                                        + p.protocol() + " on " + host.name() + " is also published by service \""
                                        + other.name + "\" (" + other.portAt.get(j) + ")");
                                }
                            }
                        }
                    }
                    earlier.add(spec);
                }
            }
        }

        private static boolean clash(PortMapping p, PortMapping q) {
            if (q.ephemeral() || p.hostPort() != q.hostPort() || !p.protocol().equals(q.protocol())) {
                return false;
            }
            return wildcard(p) || wildcard(q) || p.hostIp().equals(q.hostIp());
        }

        private static boolean wildcard(PortMapping p) {
            return p.hostIp().isEmpty() || p.hostIp().get().equals("0.0.0.0") || p.hostIp().get().equals("::");
        }

        private static String render(SortedMap<String, String> selector) {
            return selector.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
        }
    }
}
