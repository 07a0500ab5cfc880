package dev.driftless.reconciler.desired;

import dev.driftless.secrets.SecretValue;
import java.util.Objects;

/**
 * A decrypted registry login: apply hands the password to {@code docker login} on the host's
 * stdin, never on a command line. {@link #toString()} shows the registry and user only.
 */
public record RegistryCredential(String registry, String username, SecretValue password) {

    public RegistryCredential {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "RegistryCredential[" + username + "@" + registry + "]";
    }
}
