package dev.driftless.model;

import java.util.Objects;

/**
 * One thing that should run: a service placed on a host, the {@code index}-th of its replicas
 * there (1-based). The reconciler matches live containers to instances by {@link #id()} and
 * decides whether to replace them by comparing {@link #fingerprint()}.
 *
 * @param id {@code <service>/<host>/<index>}, unique in the desired state
 * @param name {@code <service>-<index>}: container-safe and unique on its host
 * @param fingerprint {@code sha256:<hex>} of {@code inputs}
 */
public record Instance(
    String id,
    String name,
    Service service,
    Host host,
    int index,
    FingerprintInputs inputs,
    String fingerprint) {

    public Instance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (index < 1) {
            throw new IllegalArgumentException("index is 1-based");
        }
    }

    /** The first 16 hex digits of the fingerprint: enough to tell versions apart on screen. */
    public String shortFingerprint() {
        String hex = fingerprint.startsWith("sha256:") ? fingerprint.substring(7) : fingerprint;
        return hex.substring(0, Math.min(16, hex.length()));
    }

    static String idOf(String service, String host, int index) {
        return service + "/" + host + "/" + index;
    }

    static String nameOf(String service, int index) {
        return service + "-" + index;
    }
}
