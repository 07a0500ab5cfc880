package dev.driftless.model;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * What one environment should look like, fully resolved: every instance with its host and
 * fingerprint. The planner compares this with what the hosts run; history keys deployments by
 * {@link #digest()}.
 *
 * @param instances  sorted by service, host and index
 * @param registries logins for the registries images are pulled from (not part of the
 *     {@link #digest}: new credentials change nothing that runs)
 */
public record DesiredState(
    String environment,
    SortedMap<String, Host> hosts,
    SortedMap<String, Service> services,
    List<Instance> instances,
    SortedMap<String, RegistryLogin> registries) {

    static final Comparator<Instance> ORDER = Comparator
        .comparing((Instance i) -> i.service().name())
        .thenComparing(i -> i.host().name())
        .thenComparingInt(Instance::index);

    public DesiredState {
        Objects.requireNonNull(environment, "environment");
        hosts = Immutables.sortedMap(hosts);
        services = Immutables.sortedMap(services);
        instances = instances.stream().sorted(ORDER).toList();
        registries = Immutables.sortedMap(registries);
    }

    /** A desired state without registry logins. */
    public DesiredState(String environment, SortedMap<String, Host> hosts, SortedMap<String, Service> services,
                        List<Instance> instances) {
        this(environment, hosts, services, instances, new java.util.TreeMap<>());
    }

    /** The login for the registry {@code image} is pulled from, if the repo has one. */
    public Optional<RegistryLogin> registryLoginFor(String image) {
        return Optional.ofNullable(registries.get(RegistryLogin.registryOf(image)));
    }

    /** The instances placed on {@code host}, by service and index. */
    public List<Instance> instancesOn(String host) {
        return instances.stream().filter(i -> i.host().name().equals(host)).toList();
    }

    /** The instances of {@code service}, by host and index. */
    public List<Instance> instancesOf(String service) {
        return instances.stream().filter(i -> i.service().name().equals(service)).toList();
    }

    /** The instance with this {@link Instance#id()}, if it is desired. */
    public Optional<Instance> instance(String id) {
        return instances.stream().filter(i -> i.id().equals(id)).findFirst();
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
}
