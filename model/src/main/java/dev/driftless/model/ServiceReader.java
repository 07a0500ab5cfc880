package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads one service mapping (a base file, or a base file with its environment overlay merged
 * in) into a {@link ServiceSpec}, reporting every field that is unknown, mistyped or malformed.
 * Checks that need other files (hosts, secrets, other services) are the loader's.
 */
final class ServiceReader {

    static final List<String> FIELDS = List.of("after", "args", "command", "enabled", "env", "files", "health", "image",
        "labels", "logging", "name", "network", "placement", "ports", "resources", "restart", "rollout", "runtime", "secrets", "stop", "user", "volumes");
    /** The fields {@code service-defaults.yaml} may set: those that make sense for every service. */
    static final List<String> DEFAULT_FIELDS = List.of("env", "health", "labels", "logging", "network", "resources",
        "restart", "rollout", "secrets", "stop");
    static final List<String> RESOURCE_FIELDS = List.of("cpus", "memory", "nofile");
    static final List<String> PLACEMENT_FIELDS = List.of("count", "failover", "hosts", "replicas", "selector", "spread");
    static final List<String> PROBES = List.of("command", "docker", "http", "tcp");
    static final List<String> HEALTH_FIELDS = List.of("command", "docker", "failure-threshold", "http", "interval",
        "probe-timeout", "success-threshold", "tcp", "timeout");
    static final List<String> HTTP_FIELDS = List.of("headers", "path", "port", "scheme");
    static final List<String> TCP_FIELDS = List.of("port");
    static final List<String> ROLLOUT_FIELDS = List.of("auto-rollback", "batch", "order", "pre-deploy");
    static final List<String> PRE_DEPLOY_FIELDS = List.of("command", "timeout");
    static final List<String> PORT_FIELDS = List.of("container", "host", "ip", "protocol");
    static final List<String> VOLUME_FIELDS = List.of("read-only", "source", "target");
    static final List<String> LOGGING_FIELDS = List.of("driver", "options");
    static final List<String> STOP_FIELDS = List.of("grace-period", "signal");
    /** Docker's log drivers and plugins ({@code loki}, {@code grafana/loki-docker-driver:3.3}). */
    static final Pattern LOG_DRIVER = Pattern.compile("[a-z0-9][a-z0-9_./:-]{0,127}");
    static final Pattern LOG_OPTION = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,127}");
    static final List<String> FILE_FIELDS = List.of("content", "drift", "gid", "mode", "secret", "source", "target",
        "uid");
    /** Where a file's content comes from: exactly one of these. */
    static final List<String> FILE_CONTENTS = List.of("source", "content", "secret");
    static final long MAX_ID = Integer.MAX_VALUE;
    static final List<String> SECRET_FILE_EXTENSIONS = List.of(".yaml", ".yml", ".json", ".env");

    static final long MIN_MEMORY = 6L * 1024 * 1024;
    static final long MAX_NOFILE = 1L << 20;
    static final int MAX_REPLICAS = 1000;
    /** The most instances a {@code count} places (one per host). */
    static final int MAX_COUNT = 100_000;

    private final ServiceSpec spec;
    private final ProblemList problems;

    private ServiceReader(ServiceSpec spec, ProblemList problems) {
        this.spec = spec;
        this.problems = problems;
    }

    static ServiceSpec read(String name, YamlMap map, SourceLocation source, ProblemList problems) {
        ServiceSpec spec = new ServiceSpec(name, source);
        int start = problems.mark();
        FieldReader fields = new FieldReader(map, "", FIELDS, problems);
        spec.misspelled = fields.misspelled();
        new ServiceReader(spec, problems).readAll(fields);
        spec.broken = problems.addedSince(start);
        return spec;
    }

    private void readAll(FieldReader f) {
        f.node("runtime").ifPresent(n -> {
            spec.runtime = HostsReader.runtime(n, "runtime", problems);
            spec.runtimeAt = n.location();
        });
        f.node("image").ifPresent(n -> spec.imageAt = n.location());
        f.text("image").ifPresent(image -> {
            ImageReference.problem(image).ifPresentOrElse(p -> problems.add(spec.imageAt, p), () -> spec.image = Optional.of(image));
        });
        spec.command = argv(f, "command");
        f.node("command").filter(n -> n instanceof YamlList l && !l.items().isEmpty())
            .ifPresent(n -> spec.commandAt = ((YamlList) n).items().getFirst().location());
        spec.args = argv(f, "args");
        f.mapping("env").ifPresent(this::env);
        f.mapping("secrets").ifPresent(this::secrets);
        f.list("ports").ifPresent(this::ports);
        f.list("volumes").ifPresent(this::volumes);
        f.list("files").ifPresent(this::files);
        f.mapping("resources").ifPresent(this::resources);
        f.text("restart").ifPresent(t -> RestartPolicy.fromText(t).ifPresentOrElse(r -> spec.restart = r,
            () -> problems.add(f.node("restart").orElseThrow().location(), "restart must be one of no, always, on-failure, "
                + "unless-stopped, got \"" + t + "\"" + Suggestions.hint(t, List.of("no", "always", "on-failure", "unless-stopped")))));
        f.mapping("labels").ifPresent(this::labels);
        f.mapping("logging").ifPresent(this::logging);
        f.mapping("stop").ifPresent(this::stop);
        f.node("network").ifPresent(this::networks);
        f.node("user").ifPresent(n -> spec.userAt = n.location());
        f.text("user").ifPresent(this::user);
        if (f.require("placement", ": say where the service runs, e.g. \"placement: {hosts: [app-1]}\" or "
                + "\"placement: {selector: {role: app}}\"")) {
            f.mapping("placement").ifPresent(this::placement);
        }
        f.mapping("health").ifPresent(this::health);
        f.mapping("rollout").ifPresent(this::rollout);
        f.list("after").ifPresent(this::after);
    }

    private List<String> argv(FieldReader f, String key) {
        Optional<YamlNode> node = f.node(key);
        if (node.isPresent() && node.get() instanceof YamlScalar s && !s.isNull()) {
            problems.add(s.location(), f.path(key) + " must be a list of arguments, e.g. [\"/usr/bin/app\", \"--port\", \"8080\"];"
                + " a single string is not split into words");
            return List.of();
        }
        return f.texts(key).orElse(List.of());
    }

    private void env(YamlMap map) {
        for (YamlMap.Entry e : map.entries()) {
            String key = e.key().text();
            if (!Names.isEnvVar(key)) {
                problems.add(e.key().location(), "env: \"" + key + "\" is not a valid variable name: " + Names.ENV_VAR_RULE);
                continue;
            }
            if (e.value() instanceof YamlScalar s && s.isNull()) {
                problems.add(e.value().location(), "env." + key + " has no value; write " + key + ": \"\" for an empty one");
                continue;
            }
            FieldReader.text(e.value(), "env." + key, problems).ifPresent(v -> {
                spec.env.put(key, v);
                spec.envAt.put(key, e.key().location());
            });
        }
    }

    private void secrets(YamlMap map) {
        for (YamlMap.Entry e : map.entries()) {
            String key = e.key().text();
            if (!Names.isEnvVar(key)) {
                problems.add(e.key().location(), "secrets: \"" + key + "\" is not a valid variable name: " + Names.ENV_VAR_RULE);
                continue;
            }
            secretReference(e.value(), "secrets." + key, problems).ifPresent(ref -> {
                spec.secrets.put(key, ref);
                spec.secretAt.put(key, e.value().location());
            });
        }
    }

    /** A {@code secrets/<file>#<key path>} reference written at {@code node}; problems say what is wrong with it. */
    static Optional<SecretRef> secretReference(YamlNode node, String path, ProblemList problems) {
        return FieldReader.text(node, path, problems).flatMap(text -> {
            SecretRef ref;
            try {
                ref = SecretRef.parse(text);
            } catch (IllegalArgumentException bad) {
                problems.add(node.location(), path + ": " + bad.getMessage());
                return Optional.empty();
            }
            if (!ref.file().startsWith("secrets/") || ref.file().indexOf('/', "secrets/".length()) >= 0
                    || SECRET_FILE_EXTENSIONS.stream().noneMatch(ref.file()::endsWith)) {
                problems.add(node.location(), path + ": \"" + ref.file() + "\" is not a secrets file; a reference"
                    + " names a file directly in secrets/ ending in .yaml, .yml, .json or .env, e.g. secrets/shop.yaml#db.password");
                return Optional.empty();
            }
            return Optional.of(ref);
        });
    }

    private void ports(YamlList list) {
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            String path = "ports[" + i + "]";
            Optional<PortMapping> port = item instanceof YamlMap m ? longPort(m, path) : FieldReader.text(item, path, problems)
                .flatMap(text -> {
                    Parsed<PortMapping> parsed = PortSyntax.parse(text);
                    if (parsed.value().isEmpty()) {
                        problems.add(item.location(), path + ": bad port \"" + text + "\": " + parsed.reason());
                    }
                    return parsed.value();
                });
            if (port.isEmpty()) {
                continue;
            }
            int twin = spec.ports.indexOf(port.get());
            if (twin >= 0) {
                problems.add(item.location(), path + " repeats ports[" + twin + "] (" + port.get() + ")");
                continue;
            }
            spec.ports.add(port.get());
            spec.portAt.add(item.location());
        }
    }

    private Optional<PortMapping> longPort(YamlMap map, String path) {
        int before = problems.mark();
        FieldReader f = new FieldReader(map, path, PORT_FIELDS, problems);
        f.require("container", "");
        Optional<Long> container = f.whole("container", 1, 65535);
        int host = f.whole("host", 1, 65535).orElse(0L).intValue();
        Optional<String> ip = f.text("ip");
        ip.filter(a -> !HostAddress.isIp(a)).ifPresent(a ->
            problems.add(f.node("ip").orElseThrow().location(), path + ".ip \"" + a + "\" is not an IP address"));
        String protocol = f.text("protocol").orElse("tcp");
        if (!PortSyntax.PROTOCOLS.contains(protocol)) {
            problems.add(f.node("protocol").orElseThrow().location(), path + ".protocol must be tcp, udp or sctp, got \"" + protocol + "\"");
        }
        if (problems.addedSince(before) || container.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PortMapping(ip, host, container.get().intValue(), protocol));
    }

    private void volumes(YamlList list) {
        Map<String, Integer> targets = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            String path = "volumes[" + i + "]";
            Optional<VolumeMount> volume;
            if (item instanceof YamlMap m) {
                int before = problems.mark();
                FieldReader f = new FieldReader(m, path, VOLUME_FIELDS, problems);
                f.require("source", "");
                f.require("target", "");
                Optional<String> source = f.text("source");
                Optional<String> target = f.text("target");
                boolean readOnly = f.bool("read-only").orElse(false);
                volume = Optional.empty();
                if (!problems.addedSince(before) && source.isPresent() && target.isPresent()) {
                    Parsed<VolumeMount> parsed = VolumeSyntax.of(source.get(), target.get(), readOnly);
                    parsed.value().ifPresentOrElse(v -> { }, () -> problems.add(item.location(), path + ": " + parsed.reason()));
                    volume = parsed.value();
                }
            } else {
                volume = FieldReader.text(item, path, problems).flatMap(text -> {
                    Parsed<VolumeMount> parsed = VolumeSyntax.parse(text);
                    if (parsed.value().isEmpty()) {
                        problems.add(item.location(), path + ": bad volume \"" + text + "\": " + parsed.reason());
                    }
                    return parsed.value();
                });
            }
            if (volume.isEmpty()) {
                continue;
            }
            Integer twin = targets.putIfAbsent(volume.get().target(), i);
            if (twin != null) {
                problems.add(item.location(), path + " mounts on " + volume.get().target() + " like volumes[" + twin + "]");
                continue;
            }
            spec.volumes.add(volume.get());
            spec.volumeAt.add(item.location());
        }
    }

    private void files(YamlList list) {
        Map<String, String> targets = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            String path = "files[" + i + "]";
            Optional<YamlMap> map = FieldReader.mapping(item, path, problems);
            if (map.isEmpty()) {
                continue;
            }
            int before = problems.mark();
            FieldReader f = new FieldReader(map.get(), path, FILE_FIELDS, problems);
            f.require("target", ": where the file goes in the container, e.g. target: /etc/app/config.yaml");
            Optional<String> target = f.text("target").filter(t -> {
                // Whether it must be absolute (a container's) or relative (a unit's) is the loader's
                // check, once the runtime is settled.
                String bad = t.startsWith("/") ? containerPathProblem(t) : relativeFilePathProblem(t);
                if (!bad.isEmpty()) {
                    problems.add(f.node("target").orElseThrow().location(), path + ".target " + bad);
                }
                return bad.isEmpty();
            });
            List<String> given = FILE_CONTENTS.stream().filter(f::has).toList();
            if (given.isEmpty()) {
                problems.add(map.get().location(), path + " needs its content: source (a file of the repo, e.g. source:"
                    + " files/app.conf), content (text) or secret (a SOPS value, e.g. secret: secrets/tls.yaml#key)");
            } else if (given.size() > 1) {
                problems.add(f.node(given.get(1)).orElseThrow().location(), path + " has both " + given.get(0) + " and "
                    + given.get(1) + "; the content comes from one of them");
            }
            Optional<String> source = f.text("source").filter(t -> {
                String bad = repoPathProblem(t);
                if (!bad.isEmpty()) {
                    problems.add(f.node("source").orElseThrow().location(), path + ".source " + bad);
                }
                return bad.isEmpty();
            });
            Optional<String> inline = f.text("content");
            Optional<SecretRef> secret = f.node("secret").flatMap(n -> secretReference(n, path + ".secret", problems));
            int mode = f.text("mode").flatMap(t -> {
                Optional<Integer> m = t.matches("0?[0-7]{3}") ? Optional.of(Integer.parseInt(t, 8)) : Optional.empty();
                if (m.isEmpty()) {
                    problems.add(f.node("mode").orElseThrow().location(), path + ".mode must be permission bits in octal,"
                        + " e.g. \"0440\", got \"" + t + "\"");
                }
                return m;
            }).orElse(ServiceFile.DEFAULT_MODE);
            long uid = f.whole("uid", 0, MAX_ID).orElse(0L);
            long gid = f.whole("gid", 0, MAX_ID).orElse(0L);
            ServiceFile.Drift drift = f.text("drift").flatMap(t -> {
                Optional<ServiceFile.Drift> d = java.util.Arrays.stream(ServiceFile.Drift.values())
                    .filter(v -> v.text().equals(t)).findFirst();
                if (d.isEmpty()) {
                    problems.add(f.node("drift").orElseThrow().location(), path + ".drift must be repair (a change on"
                        + " the host is repaired) or ignore (the program may rewrite the file), got \"" + t + "\"");
                }
                return d;
            }).orElse(ServiceFile.Drift.REPAIR);
            if (problems.addedSince(before) || target.isEmpty() || given.size() != 1) {
                continue;
            }
            String twin = targets.putIfAbsent(target.get(), path);
            if (twin != null) {
                problems.add(f.node("target").orElseThrow().location(), path + " goes to " + target.get() + " like " + twin);
                continue;
            }
            SourceLocation contentAt = f.node(given.getFirst()).orElseThrow().location();
            Optional<SourceLocation> ownerAt = f.node("uid").or(() -> f.node("gid")).map(YamlNode::location);
            spec.files.add(new ServiceSpec.FileSpec(path, target.get(), source, inline, secret, mode, uid, gid,
                drift, item.location(), contentAt, f.node("target").orElseThrow().location(), ownerAt));
        }
        for (ServiceSpec.FileSpec file : spec.files) {
            for (ServiceSpec.FileSpec other : spec.files) {
                if (file.target().startsWith(other.target() + "/")) {
                    problems.add(file.at(), file.field() + ".target " + file.target() + " is inside " + other.target()
                        + ", which " + other.field() + " makes a file");
                }
            }
            for (VolumeMount v : spec.volumes) {
                if (file.target().equals(v.target()) || file.target().startsWith(v.target() + "/")) {
                    problems.add(file.at(), file.field() + ".target " + file.target() + " is on the volume mounted at "
                        + v.target() + "; files go into the container's own filesystem, so choose a path outside it");
                }
            }
        }
    }

    /** Why {@code path} is not an absolute, plain path inside a container; empty when it is one. */
    static String containerPathProblem(String path) {
        if (!path.startsWith("/") || path.equals("/")) {
            return "must be an absolute path of a file inside the container, e.g. /etc/app/config.yaml, got \"" + path + "\"";
        }
        return plainPathProblem(path, path.substring(1));
    }

    /** Why {@code path} ({@code segments} being it without a leading '/') is not plain; empty when it is. */
    private static String plainPathProblem(String path, String segments) {
        for (String segment : segments.split("/", -1)) {
            if (segment.isEmpty() || segment.equals("..") || segment.equals(".")) {
                return "\"" + path + "\" must be a plain path: no \".\", \"..\", \"//\" or trailing \"/\"";
            }
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return "\"" + path + "\" must not contain control characters";
        }
        return "";
    }

    /**
     * Why {@code path} is not a plain relative path of a file in a systemd instance's own directory
     * (e.g. {@code config.yaml}, {@code tls/server.key}); empty when it is one.
     */
    static String relativeFilePathProblem(String path) {
        if (path.isEmpty()) {
            return "must name the file, e.g. /etc/app/config.yaml (or config.yaml for a systemd service)";
        }
        if (path.startsWith("~")) {
            // It would read as a home directory's path where driftless checks the files on the host.
            return "\"" + path + "\" must not start with \"~\": it is a path in the instance's own directory";
        }
        return plainPathProblem(path, path);
    }

    /** Why {@code path} is not a plain path relative to the repo root; empty when it is one. */
    static String repoPathProblem(String path) {
        if (path.startsWith("/") || path.isEmpty()) {
            return "must be a path relative to the repo's root, e.g. files/app.conf, got \"" + path + "\"";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals("..") || segment.equals(".")) {
                return "\"" + path + "\" must be a plain path relative to the repo's root: no \".\", \"..\" or \"//\"";
            }
        }
        if (path.startsWith(RepoLayout.SECRETS)) {
            return "\"" + path + "\" is in secrets/, whose files are encrypted; place a value of it with secret:"
                + " secrets/<file>#<key> instead";
        }
        return "";
    }

    private void logging(YamlMap map) {
        spec.loggingAt = map.location();
        int before = problems.mark();
        FieldReader f = new FieldReader(map, "logging", LOGGING_FIELDS, problems);
        Optional<String> driver = f.text("driver").filter(d -> {
            if (!LOG_DRIVER.matcher(d).matches()) {
                problems.add(f.node("driver").orElseThrow().location(), "logging.driver \"" + d + "\" is not a log"
                    + " driver name, e.g. json-file, local, journald, syslog or a plugin like loki");
                return false;
            }
            return true;
        });
        SortedMap<String, String> options = new TreeMap<>();
        f.mapping("options").ifPresent(m -> {
            for (YamlMap.Entry e : m.entries()) {
                String key = e.key().text();
                if (!LOG_OPTION.matcher(key).matches()) {
                    problems.add(e.key().location(), "logging.options: \"" + key + "\" is not a log option name,"
                        + " e.g. max-size");
                    continue;
                }
                FieldReader.text(e.value(), "logging.options." + key, problems).ifPresent(v -> options.put(key, v));
            }
        });
        if (driver.filter("none"::equals).isPresent() && !options.isEmpty()) {
            problems.add(f.node("options").orElseThrow().location(), "logging.options: the none driver keeps no log,"
                + " so it takes no options");
        }
        if (driver.isEmpty() && options.isEmpty() && !problems.addedSince(before)) {
            problems.add(map.location(), "logging needs a driver or options, e.g. logging: {options: {max-size: 10m,"
                + " max-file: \"3\"}}; leave it out for the host's defaults");
        }
        if (!problems.addedSince(before)) {
            spec.logging = Optional.of(new Logging(driver, options));
        }
    }

    private void stop(YamlMap map) {
        int before = problems.mark();
        FieldReader f = new FieldReader(map, "stop", STOP_FIELDS, problems);
        Optional<String> signal = f.text("signal").flatMap(t -> {
            Optional<String> s = Stop.signal(t);
            if (s.isEmpty()) {
                problems.add(f.node("signal").orElseThrow().location(), "stop.signal \"" + t + "\" is not a signal to"
                    + " stop a program with" + Suggestions.hint(t, Stop.SIGNALS)
                    + "; write one of " + String.join(", ", Stop.SIGNALS) + " or SIGRTMIN+0 to SIGRTMIN+15, by name (numbers differ between"
                    + " machines)");
            }
            return s;
        });
        Optional<Duration> grace = f.duration("grace-period").filter(d -> {
            if (!Stop.validGracePeriod(d)) {
                problems.add(f.node("grace-period").orElseThrow().location(), "stop.grace-period must be whole seconds"
                    + " from 1s to 1h, got " + DurationText.format(d));
                return false;
            }
            return true;
        });
        if (signal.isEmpty() && grace.isEmpty() && !problems.addedSince(before)) {
            problems.add(map.location(), "stop needs a signal or a grace-period, e.g. stop: {grace-period: 30s};"
                + " leave it out for the runtime's defaults");
        }
        if (!problems.addedSince(before)) {
            spec.stop = new Stop(signal, grace);
        }
    }

    private Optional<Probe> httpProbe(YamlMap m) {
        int before = problems.mark();
        FieldReader h = new FieldReader(m, "health.http", HTTP_FIELDS, problems);
        h.require("port", "");
        Optional<Long> port = h.whole("port", 1, 65535);
        String path = h.text("path").orElse("/");
        if (!path.startsWith("/")) {
            problems.add(h.node("path").orElseThrow().location(), "health.http.path must start with /, got \"" + path + "\"");
        }
        String scheme = h.text("scheme").orElse("http");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            problems.add(h.node("scheme").orElseThrow().location(), "health.http.scheme must be http or https,"
                + " got \"" + scheme + "\"");
        }
        SortedMap<String, String> headers = new TreeMap<>();
        h.mapping("headers").ifPresent(hm -> {
            for (YamlMap.Entry e : hm.entries()) {
                String name = e.key().text();
                if (!HttpProbe.HEADER_NAME.matcher(name).matches()) {
                    problems.add(e.key().location(), "health.http.headers: \"" + name + "\" is not a header name"
                        + " (letters, digits and !#$%&'*+.^_`|~- only)");
                } else if (headers.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
                    problems.add(e.key().location(), "health.http.headers names " + name + " twice (header names"
                        + " ignore case)");
                }
                FieldReader.text(e.value(), "health.http.headers." + name, problems).ifPresent(value -> {
                    if (HttpProbe.validValue(value)) {
                        headers.put(name, value);
                    } else {
                        problems.add(e.value().location(), "health.http.headers." + name
                            + " must be one line of at most 4096 characters, without control characters");
                    }
                });
            }
        });
        if (problems.addedSince(before)) {
            return Optional.empty();
        }
        return port.map(p -> new HttpProbe(p.intValue(), path, scheme, headers));
    }

    private void resources(YamlMap map) {
        FieldReader f = new FieldReader(map, "resources", RESOURCE_FIELDS, problems);
        Optional<Long> memory = f.size("memory").filter(m -> {
            if (m < MIN_MEMORY) {
                problems.add(f.node("memory").orElseThrow().location(), "resources.memory must be at least 6M"
                    + " (Docker's minimum), got " + f.text("memory").orElse(""));
                return false;
            }
            return true;
        });
        Optional<Double> cpus = f.number("cpus").filter(c -> {
            if (c.signum() <= 0 || c.compareTo(BigDecimal.valueOf(1024)) > 0) {
                problems.add(f.node("cpus").orElseThrow().location(), "resources.cpus must be more than 0 and at most 1024, got " + c);
                return false;
            }
            return true;
        }).map(BigDecimal::doubleValue);
        Optional<Long> nofile = f.whole("nofile", 1, MAX_NOFILE);
        spec.resources = new Resources(memory, cpus, nofile);
    }

    /** {@code network: shop}, or several: {@code network: [shop, backend]} (the first is the one containers are created on). */
    private void networks(YamlNode node) {
        spec.networkAt = node.location();
        int before = problems.mark();
        List<String> names = node instanceof YamlNode.YamlList list
            ? FieldReader.texts(list, "network", problems).orElse(List.of())
            : FieldReader.text(node, "network", problems).map(List::of).orElse(List.of());
        if (node instanceof YamlNode.YamlList && names.isEmpty() && !problems.addedSince(before)) {
            problems.add(node.location(), "network is an empty list: name a network, e.g. network: shop, or leave"
                + " network out for Docker's default bridge");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : names) {
            if (Names.BUILT_IN_NETWORKS.contains(name)) {
                problems.add(spec.networkAt, "network: \"" + name + "\" is one of Docker's own networks; name a network"
                    + " of this service's own (driftless creates it on each host), e.g. network: shop, or leave network"
                    + " out for Docker's default bridge");
            } else if (!Names.NETWORK.matcher(name).matches()) {
                problems.add(spec.networkAt, "network: \"" + name + "\" is not a valid network name: use letters, digits,"
                    + " '_', '.' and '-', starting with a letter or digit");
            } else if (!seen.add(name)) {
                problems.add(spec.networkAt, "network: \"" + name + "\" is listed twice");
            }
        }
        if (!problems.addedSince(before)) {
            spec.networks = List.copyOf(names);
        }
    }

    private void user(String user) {
        if (Names.RUN_AS.matcher(user).matches()) {
            spec.user = Optional.of(user);
        } else {
            problems.add(spec.userAt, "user: \"" + user + "\" is not a user: write a login name or a numeric id,"
                + " optionally followed by ':' and a group, e.g. user: app, user: app:www-data or user: \"1000:1000\"");
        }
    }

    private void labels(YamlMap map) {
        spec.labelsAt = map.location();
        SortedMap<String, String> labels = HostsReader.labels(map, "labels", problems);
        for (YamlMap.Entry e : map.entries()) {
            if (e.key().text().startsWith(Names.RESERVED_LABEL_PREFIX)) {
                problems.add(e.key().location(), "labels: keys starting with \"" + Names.RESERVED_LABEL_PREFIX
                    + "\" are reserved for driftless's own labels");
                labels.remove(e.key().text());
            }
        }
        spec.labels.putAll(labels);
    }

    private void placement(YamlMap map) {
        spec.placementAt = map.location();
        int before = problems.mark();
        FieldReader f = new FieldReader(map, "placement", PLACEMENT_FIELDS, problems);
        int replicas = f.whole("replicas", 1, MAX_REPLICAS).orElse(1L).intValue();
        List<String> hosts = new ArrayList<>();
        f.list("hosts").ifPresent(list -> {
            if (list.items().isEmpty()) {
                problems.add(list.location(), "placement.hosts is empty: name at least one host");
            }
            for (int i = 0; i < list.items().size(); i++) {
                YamlNode item = list.items().get(i);
                Optional<String> host = FieldReader.text(item, "placement.hosts[" + i + "]", problems);
                if (host.isPresent() && hosts.contains(host.get())) {
                    problems.add(item.location(), "placement.hosts names \"" + host.get() + "\" twice");
                } else if (host.isPresent()) {
                    hosts.add(host.get());
                    spec.placementHostAt.add(item.location());
                }
            }
        });
        SortedMap<String, String> selector = new TreeMap<>();
        f.mapping("selector").ifPresent(m -> {
            spec.selectorAt = m.location();
            if (m.entries().isEmpty()) {
                problems.add(m.location(), "placement.selector is empty: give at least one label, e.g. {role: app}");
            }
            selector.putAll(HostsReader.labels(m, "placement.selector", problems));
        });
        if (f.has("hosts") && f.has("selector")) {
            problems.add(map.location(), "placement takes hosts or selector, not both");
        } else if (!f.has("hosts") && !f.has("selector")) {
            problems.add(map.location(), "placement needs hosts (e.g. hosts: [app-1]) or selector (e.g. selector: {role: app})");
        }
        int count = f.whole("count", 1, MAX_COUNT).orElse(0L).intValue();
        f.node("count").ifPresent(n -> spec.countAt = n.location());
        if (f.has("count") && f.has("replicas")) {
            problems.add(map.location(), "placement takes count (instances in all, one per host) or replicas"
                + " (instances on every host), not both");
        }
        Optional<String> spread = f.text("spread");
        spread.filter(label -> !Names.isLabelKey(label)).ifPresent(label -> problems.add(
            f.node("spread").orElseThrow().location(), "placement.spread: \"" + label + "\" is not a label key: "
                + Names.LABEL_KEY_RULE));
        if (f.has("spread") && !f.has("count")) {
            problems.add(f.node("spread").orElseThrow().location(), "placement.spread needs count: it spreads that"
                + " many instances across the values of a label, e.g. {selector: {role: app}, count: 3, spread: zone}");
        }
        f.node("spread").ifPresent(n -> spec.spreadAt = n.location());
        Optional<Duration> failover = f.duration("failover").filter(d -> {
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                problems.add(f.node("failover").orElseThrow().location(), "placement.failover must be at least 1s,"
                    + " e.g. failover: 5m");
                return false;
            }
            return true;
        });
        if (f.has("failover") && !f.has("count")) {
            problems.add(f.node("failover").orElseThrow().location(), "placement.failover needs count: it moves one of"
                + " count instances off a host that stopped answering, e.g. {selector: {role: app}, count: 2,"
                + " failover: 5m}; without count a service runs on every host its placement names");
        }
        if (!problems.addedSince(before)) {
            spec.placement = Optional.of(new Placement(hosts, selector, replicas, count, spread, failover));
        }
    }

    private void health(YamlMap map) {
        int before = problems.mark();
        FieldReader f = new FieldReader(map, "health", HEALTH_FIELDS, problems);
        List<String> probes = PROBES.stream().filter(f::has).toList();
        if (probes.isEmpty()) {
            problems.add(map.location(), "health needs a probe: one of http, tcp, command or docker");
            return;
        }
        if (probes.size() > 1) {
            problems.add(f.node(probes.get(1)).orElseThrow().location(), "health has both " + probes.get(0) + " and "
                + probes.get(1) + "; choose one probe");
            return;
        }
        String kind = probes.getFirst();
        YamlNode node = f.node(kind).orElseThrow();
        spec.probeAt = map.entry(kind).orElseThrow().key().location();
        Optional<Probe> probe = switch (kind) {
            case "http" -> FieldReader.mapping(node, "health.http", problems).flatMap(this::httpProbe);
            case "tcp" -> FieldReader.mapping(node, "health.tcp", problems).flatMap(m -> {
                FieldReader t = new FieldReader(m, "health.tcp", TCP_FIELDS, problems);
                t.require("port", "");
                return t.whole("port", 1, 65535).map(p -> new TcpProbe(p.intValue()));
            });
            case "command" -> FieldReader.texts(node, "health.command", problems).flatMap(argv -> {
                if (argv.isEmpty()) {
                    problems.add(node.location(), "health.command is empty: give the command to run, e.g. [pg_isready]");
                    return Optional.empty();
                }
                return Optional.of(new CommandProbe(argv));
            });
            default -> FieldReader.bool(node, "health.docker", problems).flatMap(on -> {
                if (!on) {
                    problems.add(node.location(), "health.docker: false is not a probe; remove it or choose another probe");
                    return Optional.empty();
                }
                return Optional.of(new DockerProbe());
            });
        };
        Duration interval = f.duration("interval").filter(d -> positive(d, "health.interval", f)).orElse(HealthCheck.DEFAULT_INTERVAL);
        Duration timeout = f.duration("timeout").filter(d -> positive(d, "health.timeout", f)).orElse(HealthCheck.DEFAULT_TIMEOUT);
        Duration probeTimeout = f.duration("probe-timeout").filter(d -> positive(d, "health.probe-timeout", f))
            .orElse(HealthCheck.DEFAULT_PROBE_TIMEOUT);
        int successes = f.whole("success-threshold", 1, 100).orElse((long) HealthCheck.DEFAULT_SUCCESS_THRESHOLD).intValue();
        int failures = f.whole("failure-threshold", 1, 100).orElse((long) HealthCheck.DEFAULT_FAILURE_THRESHOLD).intValue();
        if (!problems.addedSince(before) && timeout.compareTo(interval) < 0) {
            problems.add(f.node("timeout").map(YamlNode::location).orElse(map.location()), "health.timeout ("
                + DurationText.format(timeout) + ") is shorter than health.interval (" + DurationText.format(interval)
                + "): no probe would run in time");
        }
        if (!problems.addedSince(before) && probe.isPresent()) {
            spec.health = Optional.of(new HealthCheck(probe.get(), interval, timeout, probeTimeout, successes, failures));
        }
    }

    private boolean positive(Duration d, String path, FieldReader f) {
        if (d.isZero()) {
            String key = path.substring(path.lastIndexOf('.') + 1);
            problems.add(f.node(key).orElseThrow().location(), path + " must be longer than 0s");
            return false;
        }
        return true;
    }

    private void rollout(YamlMap map) {
        FieldReader f = new FieldReader(map, "rollout", ROLLOUT_FIELDS, problems);
        OptionalInt percent = OptionalInt.empty();
        int batch = Rollout.DEFAULT.batch();
        Optional<YamlNode> batchNode = f.node("batch");
        if (batchNode.isPresent() && batchNode.get() instanceof YamlScalar s && !s.isNull() && s.text().endsWith("%")) {
            String digits = s.text().substring(0, s.text().length() - 1).strip();
            int share = digits.matches("[0-9]{1,3}") ? Integer.parseInt(digits) : 0;
            if (share >= 1 && share <= 100) {
                percent = OptionalInt.of(share);
            } else {
                problems.add(s.location(), "rollout.batch must be a number of hosts (1 to " + MAX_REPLICAS
                    + ") or a share of them from 1% to 100%, got \"" + s.text() + "\"");
            }
        } else {
            batch = f.whole("batch", 1, MAX_REPLICAS).orElse((long) Rollout.DEFAULT.batch()).intValue();
        }
        RolloutOrder order = f.text("order").flatMap(t -> {
            Optional<RolloutOrder> o = RolloutOrder.fromText(t);
            if (o.isEmpty()) {
                problems.add(f.node("order").orElseThrow().location(), "rollout.order must be start-first or stop-first, got \""
                    + t + "\"" + Suggestions.hint(t, List.of("start-first", "stop-first")));
            }
            return o;
        }).orElse(Rollout.DEFAULT.order());
        f.node("order").ifPresent(n -> spec.rolloutOrderAt = n.location());
        boolean autoRollback = f.bool("auto-rollback").orElse(Rollout.DEFAULT.autoRollback());
        Optional<PreDeploy> preDeploy = f.mapping("pre-deploy").flatMap(this::preDeploy);
        spec.rollout = new Rollout(batch, order, autoRollback, preDeploy, percent);
    }

    private Optional<PreDeploy> preDeploy(YamlMap map) {
        int before = problems.mark();
        spec.preDeployAt = map.location();
        FieldReader f = new FieldReader(map, "rollout.pre-deploy", PRE_DEPLOY_FIELDS, problems);
        if (!f.require("command", ": the job to run before a rollout, e.g. command: [/app/bin/migrate]")) {
            return Optional.empty();
        }
        List<String> command = argv(f, "command");
        if (command.isEmpty() && !problems.addedSince(before)) {
            problems.add(f.node("command").orElseThrow().location(), "rollout.pre-deploy.command is empty: give the"
                + " job to run, e.g. [/app/bin/migrate]");
        }
        Duration timeout = f.duration("timeout").filter(d -> positive(d, "rollout.pre-deploy.timeout", f))
            .orElse(PreDeploy.DEFAULT_TIMEOUT);
        return problems.addedSince(before) ? Optional.empty() : Optional.of(new PreDeploy(command, timeout));
    }

    private void after(YamlList list) {
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            Optional<String> name = FieldReader.text(item, "after[" + i + "]", problems);
            if (name.isEmpty()) {
                continue;
            }
            if (spec.after.contains(name.get())) {
                problems.add(item.location(), "after names \"" + name.get() + "\" twice");
                continue;
            }
            spec.after.add(name.get());
            spec.afterAt.add(item.location());
        }
    }
}
