package dev.driftless.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * What one environment should look like, fully resolved: every instance with its host and
 * fingerprint. The planner compares this with what the hosts run; history keys deployments by
 * {@link #digest()}. Immutable, with the value semantics of a record; its instances are indexed by
 * host, service and id, so looking them up costs the same for ten hosts or ten thousand.
 */
public final class DesiredState {

    static final Comparator<Instance> ORDER = Comparator
        .comparing((Instance i) -> i.service().name())
        .thenComparing(i -> i.host().name())
        .thenComparingInt(Instance::index);

    private final String environment;
    private final SortedMap<String, Host> hosts;
    private final SortedMap<String, Service> services;
    private final List<Instance> instances;
    private final SortedMap<String, RegistryLogin> registries;
    private final Map<String, List<Instance>> byHost;
    private final Map<String, List<Instance>> byService;
    private final Map<String, Instance> byId;

    /**
     * @param instances  in any order; kept sorted by service, host and index
     * @param registries logins for the registries images are pulled from (not part of the
     *     {@link #digest}: new credentials change nothing that runs)
     */
    public DesiredState(String environment, SortedMap<String, Host> hosts, SortedMap<String, Service> services,
                        List<Instance> instances, SortedMap<String, RegistryLogin> registries) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.hosts = Immutables.sortedMap(hosts);
        this.services = Immutables.sortedMap(services);
        this.instances = instances.stream().sorted(ORDER).toList();
        this.registries = Immutables.sortedMap(registries);
        Map<String, List<Instance>> onHost = new HashMap<>();
        Map<String, List<Instance>> ofService = new HashMap<>();
        Map<String, Instance> ids = new HashMap<>();
        for (Instance i : this.instances) {
            onHost.computeIfAbsent(i.host().name(), h -> new ArrayList<>()).add(i);
            ofService.computeIfAbsent(i.service().name(), n -> new ArrayList<>()).add(i);
            ids.putIfAbsent(i.id(), i);
        }
        this.byHost = frozen(onHost);
        this.byService = frozen(ofService);
        this.byId = Map.copyOf(ids);
    }

    /** A desired state without registry logins. */
    public DesiredState(String environment, SortedMap<String, Host> hosts, SortedMap<String, Service> services,
                        List<Instance> instances) {
        this(environment, hosts, services, instances, new java.util.TreeMap<>());
    }

    private static Map<String, List<Instance>> frozen(Map<String, List<Instance>> lists) {
        Map<String, List<Instance>> out = new HashMap<>();
        lists.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Map.copyOf(out);
    }

    public String environment() {
        return environment;
    }

    public SortedMap<String, Host> hosts() {
        return hosts;
    }

    public SortedMap<String, Service> services() {
        return services;
    }

    /** Every instance, sorted by service, host and index. */
    public List<Instance> instances() {
        return instances;
    }

    public SortedMap<String, RegistryLogin> registries() {
        return registries;
    }

    /** The login for the registry {@code image} is pulled from, if the repo has one. */
    public Optional<RegistryLogin> registryLoginFor(String image) {
        return Optional.ofNullable(registries.get(RegistryLogin.registryOf(image)));
    }

    /** The instances placed on {@code host}, by service and index. */
    public List<Instance> instancesOn(String host) {
        return byHost.getOrDefault(host, List.of());
    }

    /** The instances of {@code service}, by host and index. */
    public List<Instance> instancesOf(String service) {
        return byService.getOrDefault(service, List.of());
    }

    /** The instance with this {@link Instance#id()}, if it is desired. */
    public Optional<Instance> instance(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Service names in start order: every service after the ones its {@code after} names; ties by name. */
    public List<String> serviceOrder() {
        return new ServiceGraph(services.values().stream()
            .collect(Collectors.toMap(Service::name, Service::after))).order();
    }

    /**
     * {@code sha256:<hex>} over the environment and each instance's id and fingerprint: equal
     * digests mean the hosts would run exactly the same things.
     */
    public String digest() {
        StringBuilder text = new StringBuilder("environment ").append(environment).append('\n');
        instances.forEach(i -> text.append(i.id()).append(' ').append(i.fingerprint()).append('\n'));
        return "sha256:" + FingerprintInputs.sha256Hex(text.toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DesiredState d && environment.equals(d.environment) && hosts.equals(d.hosts)
            && services.equals(d.services) && instances.equals(d.instances) && registries.equals(d.registries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(environment, hosts, services, instances, registries);
    }

    @Override
    public String toString() {
        return "DesiredState[environment=" + environment + ", hosts=" + hosts.keySet() + ", services="
            + services.keySet() + ", instances=" + instances.size() + ", registries=" + registries.keySet() + "]";
    }
}
