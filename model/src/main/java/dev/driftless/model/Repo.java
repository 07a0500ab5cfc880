package dev.driftless.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;

/**
 * A validated infra repo for one environment: its hosts, enabled services and registry logins.
 * Produced only by {@link RepoLoader} (or by hand in tests); {@link #resolve} places it onto hosts.
 *
 * @param environment the environment's name, or {@code "default"} for a repo without environments
 * @param registries  registry credentials by registry, passwords resolved to the environment's files
 */
public record Repo(String environment, SortedMap<String, Host> hosts, SortedMap<String, Service> services,
                   SortedMap<String, RegistryLogin> registries) {

    /** The environment name of a repo that has no {@code environments/} directory. */
    public static final String DEFAULT_ENVIRONMENT = "default";

    public Repo {
        Objects.requireNonNull(environment, "environment");
        hosts = Immutables.sortedMap(hosts);
        services = Immutables.sortedMap(services);
        registries = Immutables.sortedMap(registries);
    }

    /** A repo without registry logins. */
    public Repo(String environment, SortedMap<String, Host> hosts, SortedMap<String, Service> services) {
        this(environment, hosts, services, new java.util.TreeMap<>());
    }

    /**
     * Places every service on its hosts (all those its placement selects, or {@code count} of
     * them), {@code replicas} instances per host, and fingerprints each instance. Deterministic:
     * the same repo and secret fingerprints always give the same instances, ids, names and
     * fingerprints.
     */
    public DesiredState resolve(SecretFingerprints fingerprints) {
        Objects.requireNonNull(fingerprints, "fingerprints");
        List<Instance> instances = new ArrayList<>();
        for (Service service : services.values()) {
            FingerprintInputs inputs = Fingerprinter.inputs(service, fingerprints);
            String fingerprint = inputs.fingerprint();
            for (Host host : placedOn(service)) {
                for (int index = 1; index <= service.placement().replicas(); index++) {
                    instances.add(new Instance(Instance.idOf(service.name(), host.name(), index),
                        Instance.nameOf(service.name(), index), service, host, index, inputs, fingerprint));
                }
            }
        }
        return new DesiredState(environment, hosts, services, instances, registries);
    }

    /** The hosts {@code service} is placed on, by name. */
    public List<Host> placedOn(Service service) {
        return service.placement().choose(service.name(),
            hosts.values().stream().filter(service.placement()::selects).toList());
    }
}
