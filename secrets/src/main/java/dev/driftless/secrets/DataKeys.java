package dev.driftless.secrets;

import dev.driftless.secrets.age.Age;
import dev.driftless.secrets.age.AgeException;
import dev.driftless.secrets.age.AgeIdentity;
import dev.driftless.secrets.pgp.PgpException;
import dev.driftless.secrets.pgp.PgpSecretKeys;
import dev.driftless.secrets.shamir.Shamir;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Recovers a file's 32-byte data key from its key groups with the keys of a {@link KeyRing}:
 * age first, then PGP (sops's decryption order), one key per group, Shamir-combined when the
 * file has several groups. Failures say which recipients the file has and which keys were tried.
 */
final class DataKeys {

    static final int DATA_KEY_SIZE = 32;

    private DataKeys() {
    }

    /** The outcome of trying one key group. */
    private record GroupResult(byte[] part, List<String> wrongKeys, List<String> tampered) {
    }

    static byte[] recover(SopsMetadata meta, KeyRing ring, String fileName) {
        List<byte[]> parts = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> tampered = new ArrayList<>();
        List<Integer> opened = new ArrayList<>();
        int required = meta.requiredGroups();
        try {
            for (int i = 0; i < meta.keyGroups().size(); i++) {
                GroupResult r = tryGroup(meta.keyGroups().get(i), ring, fileName);
                wrong.addAll(r.wrongKeys());
                tampered.addAll(r.tampered());
                if (r.part() != null) {
                    parts.add(r.part());
                    opened.add(i + 1);
                    if (parts.size() >= required) {
                        break;
                    }
                }
            }
            if (parts.size() >= required) {
                byte[] key = meta.keyGroups().size() == 1 ? parts.get(0).clone() : combine(parts, fileName);
                if (key.length != DATA_KEY_SIZE) {
                    Arrays.fill(key, (byte) 0);
                    throw new SopsException(fileName, SopsException.Reason.WRONG_KEY,
                        "the recovered data key has the wrong size (the key entries were modified)");
                }
                return key;
            }
        } finally {
            parts.forEach(p -> Arrays.fill(p, (byte) 0));
        }
        throw noKey(meta, ring, fileName, opened, wrong, tampered);
    }

    private static byte[] combine(List<byte[]> parts, String fileName) {
        try {
            return Shamir.combine(parts);
        } catch (IllegalArgumentException e) {
            throw new SopsException(fileName, SopsException.Reason.WRONG_KEY,
                "could not combine the key groups' Shamir parts: " + e.getMessage());
        }
    }

    private static GroupResult tryGroup(SopsMetadata.KeyGroup group, KeyRing ring, String fileName) {
        List<String> wrong = new ArrayList<>();
        List<String> tampered = new ArrayList<>();
        List<AgeIdentity> ids = ring.ageIdentities();
        Set<String> ourRecipients = ids.stream().map(i -> i.recipient().toString()).collect(Collectors.toSet());
        for (SopsMetadata.AgeKey key : group.age()) {
            if (ids.isEmpty()) {
                break;
            }
            try {
                return new GroupResult(Age.decrypt(key.enc().getBytes(StandardCharsets.US_ASCII), ids), wrong, tampered);
            } catch (AgeException e) {
                boolean ours = ourRecipients.contains(key.recipient().strip());
                switch (e.kind()) {
                    case NO_IDENTITY_MATCHED -> {
                        if (ours) {
                            wrong.add("age " + key.recipient());
                        }
                    }
                    case TAMPERED, MALFORMED -> {
                        if (ours || e.kind() == AgeException.Kind.TAMPERED) {
                            tampered.add("age " + key.recipient() + " (" + e.getMessage() + ")");
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        PgpSecretKeys pgp = ring.pgpKeys();
        for (SopsMetadata.PgpKey key : group.pgp()) {
            if (pgp.isEmpty()) {
                break;
            }
            try {
                return new GroupResult(pgp.decrypt(key.enc().getBytes(StandardCharsets.US_ASCII)), wrong, tampered);
            } catch (PgpException e) {
                switch (e.kind()) {
                    case NO_MATCHING_KEY -> {
                    }
                    case WRONG_PASSPHRASE, WRONG_KEY, UNSUPPORTED ->
                        wrong.add("PGP " + key.fingerprint() + " (" + e.getMessage() + ")");
                    case TAMPERED, MALFORMED -> tampered.add("PGP " + key.fingerprint() + " (" + e.getMessage() + ")");
                }
            }
        }
        return new GroupResult(null, wrong, tampered);
    }

    private static SopsException noKey(SopsMetadata meta, KeyRing ring, String fileName, List<Integer> opened,
                                       List<String> wrong, List<String> tampered) {
        if (!tampered.isEmpty()) {
            return new SopsException(fileName, SopsException.Reason.WRONG_KEY,
                "the data key entry for " + String.join("; ", tampered) + " could not be decrypted"
                    + " (it was modified or is not a valid age/PGP message)");
        }
        if (!wrong.isEmpty()) {
            return new SopsException(fileName, SopsException.Reason.WRONG_KEY,
                "a key named as recipient could not decrypt its data key entry: " + String.join("; ", wrong)
                    + " (the entry was made for another key, or the key or passphrase is wrong)");
        }
        boolean anyUsable = meta.keyGroups().stream().anyMatch(g -> !g.age().isEmpty() || !g.pgp().isEmpty());
        if (!anyUsable) {
            List<String> kinds = meta.keyGroups().stream().flatMap(g -> g.unsupported().stream()).toList();
            return new SopsException(fileName, SopsException.Reason.UNSUPPORTED_KEY_TYPE,
                "the file is encrypted only with key types driftless does not support (" + String.join(", ", kinds)
                    + "); add an age or PGP recipient to it with sops");
        }
        StringBuilder msg = new StringBuilder("no key in the key ring can decrypt the data key; ");
        if (meta.keyGroups().size() == 1) {
            msg.append("the file is encrypted to ").append(String.join(", ", meta.keyGroups().get(0).describe()));
        } else {
            msg.append("the file needs keys for ").append(meta.requiredGroups()).append(" of ")
                .append(meta.keyGroups().size()).append(" key groups");
            msg.append(opened.isEmpty() ? " and none could be opened" : " and only group(s) " + opened + " could be opened");
            for (int i = 0; i < meta.keyGroups().size(); i++) {
                msg.append("; group ").append(i + 1).append(": ")
                    .append(String.join(", ", meta.keyGroups().get(i).describe()));
            }
        }
        msg.append("; the key ring has ").append(ring.describe());
        if (meta.keyGroups().stream().anyMatch(g -> !g.unsupported().isEmpty())) {
            msg.append(" (cloud KMS and Vault keys are not supported)");
        }
        return new SopsException(fileName, SopsException.Reason.NO_MATCHING_KEY, msg.toString());
    }
}
