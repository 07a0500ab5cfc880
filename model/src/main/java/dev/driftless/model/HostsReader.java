package dev.driftless.model;

import dev.driftless.model.YamlNode.YamlMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads {@code hosts.yaml}: optional {@code defaults} (user, port, runtime) and the {@code hosts}
 * inventory. Hosts with a problem are left out of the result but their names are kept, so a
 * service placed on one is not also told that the host does not exist.
 */
final class HostsReader {

    static final List<String> FILE_FIELDS = List.of("defaults", "hosts", "registries");
    static final List<String> REGISTRY_FIELDS = List.of("password", "username");
    static final List<String> DEFAULT_FIELDS = List.of("port", "runtime", "user");
    static final List<String> HOST_FIELDS = List.of("address", "host-key", "labels", "port", "runtime", "user");

    /**
     * @param hosts the hosts read without problems
     * @param names every host name the file defines, readable or not
     * @param complete true when the file and every host in it read without problems, so that
     *     placement may conclude a host does not exist or a selector matches nothing
     * @param registries registry credentials read without problems, their password references not
     *     yet resolved to a file of the environment
     */
    record Result(SortedMap<String, Host> hosts, Set<String> names, boolean complete,
                  SortedMap<String, RegistryLogin> registries) {

        static Result unreadable() {
            return new Result(new TreeMap<>(), Set.of(), false, new TreeMap<>());
        }
    }

    private HostsReader() {
    }

    static Result read(YamlNode root, ProblemList problems) {
        int start = problems.mark();
        if (root instanceof YamlNode.YamlScalar s && s.isNull()) {
            problems.add(s.location(), "empty file: hosts.yaml lists the hosts, e.g. \"hosts: {app-1: {address: 10.0.0.11, user: deploy}}\"");
            return Result.unreadable();
        }
        Optional<YamlMap> top = FieldReader.mapping(root, "hosts.yaml", problems);
        if (top.isEmpty()) {
            return Result.unreadable();
        }
        FieldReader fields = new FieldReader(top.get(), "", FILE_FIELDS, problems);
        Defaults defaults = fields.mapping("defaults").map(m -> Defaults.read(m, problems)).orElse(Defaults.NONE);
        SortedMap<String, RegistryLogin> registries = fields.mapping("registries")
            .map(m -> registries(m, problems)).orElse(new TreeMap<>());
        if (!fields.require("hosts", ": list the hosts, e.g. \"hosts: {app-1: {address: 10.0.0.11, user: deploy}}\"")) {
            return Result.unreadable();
        }
        Optional<YamlMap> inventory = fields.mapping("hosts");
        if (inventory.isEmpty()) {
            return Result.unreadable();
        }
        if (inventory.get().entries().isEmpty()) {
            problems.add(inventory.get().location(), "hosts is empty: define at least one host");
            return Result.unreadable();
        }
        SortedMap<String, Host> hosts = new TreeMap<>();
        Set<String> names = new TreeSet<>();
        Map<String, Host> byEndpoint = new HashMap<>();
        for (YamlMap.Entry e : inventory.get().entries()) {
            String name = e.key().text();
            names.add(name);
            int before = problems.mark();
            if (!Names.isName(name)) {
                problems.add(e.key().location(), "host name \"" + name + "\" is not a safe name: " + Names.NAME_RULE);
            }
            Optional<Host> host = readHost(name, e, defaults, problems);
            if (host.isEmpty() || problems.addedSince(before)) {
                continue;
            }
            Host h = host.get();
            String endpoint = h.address() + ":" + h.port();
            Host twin = byEndpoint.putIfAbsent(endpoint, h);
            if (twin != null) {
                YamlNode address = ((YamlMap) e.value()).get("address").orElseThrow();
                problems.add(address.location(), "hosts." + name + " has the same address and port as "
                    + twin.name() + " (" + endpoint + "); one machine is one host");
                continue;
            }
            hosts.put(name, h);
        }
        return new Result(hosts, names, !problems.addedSince(start), registries);
    }

    /** {@code registries: {<registry>: {username: …, password: secrets/<file>#<key path>}}}. */
    private static SortedMap<String, RegistryLogin> registries(YamlMap map, ProblemList problems) {
        SortedMap<String, RegistryLogin> out = new TreeMap<>();
        for (YamlMap.Entry e : map.entries()) {
            String registry = e.key().text();
            String path = "registries." + registry;
            int before = problems.mark();
            if (!ImageReference.isRegistry(registry) || registry.contains("/")) {
                problems.add(e.key().location(), "registries: \"" + registry + "\" is not a registry; write it as image "
                    + "references name it, e.g. registry.internal:5000 or ghcr.io (docker.io for Docker Hub)");
            }
            Optional<YamlMap> entry = FieldReader.mapping(e.value(), path, problems);
            if (entry.isEmpty()) {
                continue;
            }
            FieldReader f = new FieldReader(entry.get(), path, REGISTRY_FIELDS, problems);
            Optional<String> username = Optional.empty();
            if (f.require("username", ": the login name")) {
                username = f.text("username");
                username.filter(u -> u.isBlank() || u.chars().anyMatch(c -> c <= 0x20 || c == 0x7f))
                    .ifPresent(u -> problems.add(f.node("username").orElseThrow().location(),
                        path + ".username must be one word without spaces or control characters"));
            }
            Optional<SecretRef> password = Optional.empty();
            if (f.require("password", ": a reference to the password (or token) in a SOPS-encrypted file, e.g. "
                    + "secrets/registry.yaml#password")) {
                YamlNode node = f.node("password").orElseThrow();
                if (node instanceof YamlNode.YamlScalar scalar && !scalar.text().contains("#")) {
                    // Never echo it: it may be the password itself.
                    problems.add(node.location(), path + ".password must be a reference to a value in a SOPS-encrypted "
                        + "file (secrets/<file>#<key path>), never the password itself");
                } else {
                    password = ServiceReader.secretReference(node, path + ".password", problems);
                }
            }
            if (!problems.addedSince(before) && username.isPresent() && password.isPresent()) {
                out.put(registry, new RegistryLogin(registry, username.get(), password.get(),
                    f.node("password").orElseThrow().location()));
            }
        }
        return out;
    }

    private static Optional<Host> readHost(String name, YamlMap.Entry e, Defaults defaults, ProblemList problems) {
        String path = "hosts." + name;
        if (e.value() instanceof YamlNode.YamlScalar s && s.isNull()) {
            problems.add(e.key().location(), path + " has no fields: give it at least an address");
            return Optional.empty();
        }
        Optional<YamlMap> map = FieldReader.mapping(e.value(), path, problems);
        if (map.isEmpty()) {
            return Optional.empty();
        }
        int before = problems.mark();
        FieldReader f = new FieldReader(map.get(), path, HOST_FIELDS, problems);
        Optional<String> address = Optional.empty();
        if (f.require("address", "")) {
            address = f.text("address");
            if (address.isPresent() && !HostAddress.isValid(address.get())) {
                problems.add(f.node("address").orElseThrow().location(), path + ".address \"" + address.get()
                    + "\" is not an IP address or DNS name");
            }
        }
        int port = f.whole("port", 1, 65535).map(Long::intValue).orElse(defaults.port);
        Optional<String> user;
        if (f.has("user")) {
            user = f.text("user");
            user.filter(u -> !Names.USER.matcher(u).matches()).ifPresent(u -> problems.add(
                f.node("user").orElseThrow().location(), path + ".user \"" + u + "\" is not a valid login name"));
        } else {
            user = defaults.user;
            if (user.isEmpty()) {
                problems.add(map.get().location(), "missing required field \"user\" in " + path
                    + ": the SSH login (or set defaults.user for every host)");
            }
        }
        Runtime runtime = f.node("runtime").flatMap(n -> runtime(n, path + ".runtime", problems)).orElse(defaults.runtime);
        SortedMap<String, String> labels = f.mapping("labels").map(m -> labels(m, path + ".labels", problems))
            .orElse(new TreeMap<>());
        Optional<String> hostKey = f.text("host-key").flatMap(k -> {
            Parsed<String> parsed = HostKeyText.normalise(k);
            if (parsed.value().isEmpty()) {
                problems.add(f.node("host-key").orElseThrow().location(), path + ".host-key: " + parsed.reason());
            }
            return parsed.value();
        });
        if (problems.addedSince(before) || address.isEmpty() || user.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Host(name, address.get(), port, user.get(), labels, hostKey, runtime,
            e.key().location()));
    }

    static Optional<Runtime> runtime(YamlNode node, String path, ProblemList problems) {
        return FieldReader.text(node, path, problems).flatMap(t -> {
            Optional<Runtime> r = Runtime.fromText(t);
            if (r.isEmpty()) {
                problems.add(node.location(), path + " must be docker or systemd, got \"" + t + "\"");
            }
            return r;
        });
    }

    /** Label maps: safe keys, single values. Shared by host labels, selectors and container labels. */
    static SortedMap<String, String> labels(YamlMap map, String path, ProblemList problems) {
        SortedMap<String, String> labels = new TreeMap<>();
        for (YamlMap.Entry e : map.entries()) {
            String key = e.key().text();
            if (!Names.isLabelKey(key)) {
                problems.add(e.key().location(), path + ": label key \"" + key + "\" is not safe: " + Names.LABEL_KEY_RULE);
                continue;
            }
            FieldReader.text(e.value(), path + "." + key, problems).ifPresent(v -> {
                if (v.chars().anyMatch(c -> c < 0x20)) {
                    problems.add(e.value().location(), path + "." + key + " must not contain control characters");
                } else {
                    labels.put(key, v);
                }
            });
        }
        return labels;
    }

    /** The {@code defaults:} block. */
    private record Defaults(int port, Optional<String> user, Runtime runtime) {
        static final Defaults NONE = new Defaults(Host.DEFAULT_PORT, Optional.empty(), Runtime.DOCKER);

        static Defaults read(YamlMap map, ProblemList problems) {
            FieldReader f = new FieldReader(map, "defaults", DEFAULT_FIELDS, problems);
            int port = f.whole("port", 1, 65535).map(Long::intValue).orElse(Host.DEFAULT_PORT);
            Optional<String> user = f.text("user");
            user.filter(u -> !Names.USER.matcher(u).matches()).ifPresent(u -> problems.add(
                f.node("user").orElseThrow().location(), "defaults.user \"" + u + "\" is not a valid login name"));
            Runtime runtime = f.node("runtime").flatMap(n -> HostsReader.runtime(n, "defaults.runtime", problems)).orElse(Runtime.DOCKER);
            return new Defaults(port, user, runtime);
        }
    }
}
