package dev.driftless.secrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code sops} metadata of a file: who the data key is encrypted to (per key group), the
 * encryption rule, the encrypted MAC and when it was last written. Holds no secret: every key
 * entry is ciphertext.
 */
public record SopsMetadata(
    List<KeyGroup> keyGroups,
    int shamirThreshold,
    String lastModified,
    String mac,
    EncryptionRule rule,
    boolean macOnlyEncrypted,
    String version) {

    public SopsMetadata {
        keyGroups = List.copyOf(keyGroups);
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(version, "version");
    }

    /** One key group: any one of its keys recovers the group's part of the data key. */
    public record KeyGroup(List<AgeKey> age, List<PgpKey> pgp, List<String> unsupported) {
        public KeyGroup {
            age = List.copyOf(age);
            pgp = List.copyOf(pgp);
            unsupported = List.copyOf(unsupported);
        }

        /** Human-readable recipients, e.g. {@code age age1…} and {@code PGP FBC7…}, then the unsupported ones. */
        public List<String> describe() {
            List<String> out = new ArrayList<>();
            age.forEach(a -> out.add("age " + a.recipient()));
            pgp.forEach(p -> out.add("PGP " + p.fingerprint()));
            out.addAll(unsupported);
            return out;
        }
    }

    /** An age recipient and the armored age file holding the (part of the) data key. */
    public record AgeKey(String recipient, String enc) {
    }

    /** A PGP key fingerprint (the primary key's) and the armored message holding the (part of the) data key. */
    public record PgpKey(String fingerprint, String createdAt, String enc) {
    }

    /** The recipients of every group driftless cannot encrypt to (cloud KMS, Vault), described. */
    public List<String> unsupported() {
        return keyGroups.stream().flatMap(g -> g.unsupported().stream()).toList();
    }

    /** The number of key groups whose parts are needed: the threshold, or all groups when unset. */
    public int requiredGroups() {
        if (keyGroups.size() <= 1) {
            return 1;
        }
        return shamirThreshold > 0 ? shamirThreshold : keyGroups.size();
    }
}
