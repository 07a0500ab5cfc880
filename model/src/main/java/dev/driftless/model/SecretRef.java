package dev.driftless.model;

import java.util.List;
import java.util.Objects;

/**
 * A pointer to one value inside a SOPS-encrypted file, written {@code secrets/shop.yaml#db.password}.
 * The path is split on '.'; a segment of digits indexes a list. The file is the one the loader
 * resolved (relative to the repo root, e.g. {@code environments/prod/secrets/shop.yaml} when the
 * environment has its own), so the secrets module can read it from the same tree.
 *
 * <p>This is a reference, not a secret: {@link #toString()} renders the reference text.
 */
public record SecretRef(String file, List<String> path) {

    public SecretRef {
        Objects.requireNonNull(file, "file");
        path = List.copyOf(path);
        if (file.isEmpty() || path.isEmpty() || path.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("file and every path segment must be non-empty");
        }
    }

    /**
     * Parses {@code file#key.path}.
     *
     * @throws IllegalArgumentException with a message fit for a user when the text is not a reference
     */
    public static SecretRef parse(String text) {
        int hash = text.indexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException(
                "a secret reference is file#key.path, e.g. secrets/shop.yaml#db.password; \"#\" is missing");
        }
        if (text.indexOf('#', hash + 1) >= 0) {
            throw new IllegalArgumentException("a secret reference has exactly one \"#\"");
        }
        String file = text.substring(0, hash);
        String keys = text.substring(hash + 1);
        if (file.isEmpty()) {
            throw new IllegalArgumentException("the file before \"#\" is missing");
        }
        if (file.startsWith("/") || List.of(file.split("/", -1)).stream().anyMatch(s -> s.isEmpty() || s.equals("..") || s.equals("."))) {
            throw new IllegalArgumentException("the file must be a plain relative path like secrets/shop.yaml");
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the key path after \"#\" is missing");
        }
        List<String> path = List.of(keys.split("\\.", -1));
        if (path.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("the key path \"" + keys + "\" has an empty segment");
        }
        return new SecretRef(file, path);
    }

    /** The key path as written: {@code db.password}. */
    public String keyPath() {
        return String.join(".", path);
    }

    /** The same key path in another file (the loader resolves environment files this way). */
    SecretRef inFile(String otherFile) {
        return new SecretRef(otherFile, path);
    }

    @Override
    public String toString() {
        return file + "#" + keyPath();
    }
}
