package dev.driftless.model;

/**
 * Gives the fingerprint of a secret's value for the instance fingerprint. The model never sees
 * secret values: the reconciler passes fingerprints computed by the secrets module (a keyed hash
 * of the decrypted value), so a changed secret changes the instances that use it.
 */
@FunctionalInterface
public interface SecretFingerprints {

    /** A stable, non-reversible stand-in for the value {@code ref} points at. */
    String of(SecretRef ref);

    /**
     * For validation without keys: each secret is represented by its reference
     * ({@code "unresolved:" + ref}), so fingerprints are stable but say nothing of the values.
     */
    static SecretFingerprints unresolved() {
        return ref -> "unresolved:" + ref;
    }
}
