package dev.driftless.reconciler.runtime.systemd;

import dev.driftless.model.DesiredState;
import dev.driftless.model.Host;
import dev.driftless.model.Instance;
import dev.driftless.model.Placement;
import dev.driftless.model.Repo;
import dev.driftless.model.Runtime;
import dev.driftless.model.SecretFingerprints;
import dev.driftless.model.Service;
import dev.driftless.model.SourceLocation;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** Systemd services placed on one host, resolved into instances the way the daemon does. */
final class SystemdFixture {

    private SystemdFixture() {
    }

    static Host host(String name, int port) {
        return new Host(name, "127.0.0.1", port, "deploy", new TreeMap<>(), Optional.empty(), Runtime.SYSTEMD,
            SourceLocation.of("hosts.yaml"));
    }

    /** A systemd service on {@code host}, shaped by {@code shape}. */
    static Service service(String name, String host, UnaryOperator<Service.Builder> shape) {
        return shape.apply(Service.builder(name).runtime(Runtime.SYSTEMD).noImage()
            .placement(new Placement(List.of(host), new TreeMap<>(), 1))
            .source(SourceLocation.of("services/" + name + ".yaml"))).build();
    }

    static DesiredState desired(Host host, Service... services) {
        TreeMap<String, Host> hosts = new TreeMap<>();
        hosts.put(host.name(), host);
        TreeMap<String, Service> byName = new TreeMap<>();
        for (Service s : services) {
            byName.put(s.name(), s);
        }
        return new Repo("prod", hosts, byName).resolve(SecretFingerprints.unresolved());
    }

    static Instance instance(Host host, Service service) {
        return desired(host, service).instancesOf(service.name()).getFirst();
    }
}
