package dev.driftless.secrets;

import java.util.Objects;

/**
 * Why a SOPS file could not be decrypted, encrypted, or a key file could not be loaded. The
 * message starts with the file name and never contains a secret value or key material. Unchecked:
 * every reason is terminal for the file at hand (a new commit or new keys are needed), so callers
 * report rather than retry.
 */
public final class SopsException extends RuntimeException {

    /** The failure taxonomy; each has a distinct, tested message. */
    public enum Reason {
        /** No key in the key ring is a recipient of the file (or of enough key groups). */
        NO_MATCHING_KEY,
        /** A key the file names as recipient could not open its data key (wrong key, damaged enc, wrong passphrase). */
        WRONG_KEY,
        /** The file is encrypted only with key types driftless does not implement (cloud KMS, Vault, SSH, plugins). */
        UNSUPPORTED_KEY_TYPE,
        /** An encrypted value failed authentication: modified, moved to another key, or under another data key. */
        TAMPERED_VALUE,
        /** The MAC does not match the values, or cannot be decrypted (mac or lastmodified modified). */
        MAC_MISMATCH,
        /** The file has no MAC. */
        MAC_MISSING,
        /** A value in an encrypted position is not a well-formed ENC[AES256_GCM,…] string. */
        MALFORMED_VALUE,
        /** More than one of the encryption rules (suffixes, regexes) is set. */
        CONFLICTING_RULES,
        /** The sops metadata is missing: the file is not encrypted. */
        METADATA_MISSING,
        /** The sops metadata is present but not valid. */
        INVALID_METADATA,
        /** The file is not valid YAML, JSON, dotenv or INI, or has a shape sops cannot hold. */
        INVALID_FORMAT,
        /** A key file or key variable cannot be read or parsed. */
        KEY_FILE,
        /** Encrypting a file that already carries sops metadata. */
        ALREADY_ENCRYPTED,
        /** Setting a value where the file has no place for it (a path through a value, past a list's end). */
        INVALID_PATH,
        /** Re-encrypting a file whose recipients, as asked, cannot all be encrypted to. */
        INVALID_RECIPIENTS
    }

    private final String fileName;
    private final Reason reason;

    public SopsException(String fileName, Reason reason, String problem) {
        super(fileName + ": " + problem);
        this.fileName = Objects.requireNonNull(fileName, "fileName");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The file (or key source) the problem is about. */
    public String fileName() {
        return fileName;
    }

    public Reason reason() {
        return reason;
    }
}
