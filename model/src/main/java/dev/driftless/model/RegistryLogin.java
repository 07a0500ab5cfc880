package dev.driftless.model;

import java.util.Objects;

/**
 * Credentials for a container registry, from {@code registries:} in hosts.yaml: the daemon logs
 * in with them before it pulls an image of that registry. The password is a reference into a
 * SOPS file, never a value, so this record is safe to print.
 *
 * @param registry the registry as image references name it ({@code registry.internal:5000},
 *     {@code ghcr.io}; {@code docker.io} for images written without one)
 * @param username the login name
 * @param password where the password (or token) is, resolved to the environment's file
 * @param source   where the entry is written
 */
public record RegistryLogin(String registry, String username, SecretRef password, SourceLocation source) {

    public RegistryLogin {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(source, "source");
    }

    /** The registry {@code image} is pulled from, as {@link #registry} names registries. */
    public static String registryOf(String image) {
        return ImageReference.registryOf(image);
    }
}
