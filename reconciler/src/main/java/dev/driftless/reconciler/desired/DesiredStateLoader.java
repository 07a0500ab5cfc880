package dev.driftless.reconciler.desired;

import dev.driftless.model.DesiredState;
import dev.driftless.model.LoadResult;
import dev.driftless.model.Problem;
import dev.driftless.model.RegistryLogin;
import dev.driftless.model.Repo;
import dev.driftless.model.RepoLoader;
import dev.driftless.model.RepoTree;
import dev.driftless.model.SecretRef;
import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.model.SourceLocation;
import dev.driftless.secrets.DecryptedDocument;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.SecretValue;
import dev.driftless.secrets.Sops;
import dev.driftless.secrets.SopsException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * source → model → secrets: reads a revision's tree, validates it, decrypts the SOPS files its
 * services reference and resolves placement, with instance fingerprints built from the secrets'
 * fingerprints (never their values). Any problem (invalid repo, missing key, tampered file) makes
 * the whole revision {@link LoadedState.Invalid}: nothing of it is applied.
 *
 * <p>Decrypted files are cached by content hash, so a daemon polling an unchanged repo does not
 * decrypt again. One instance serves one daemon; it is safe for use by one thread at a time.
 */
public final class DesiredStateLoader {

    private static final int CACHE_FILES = 256;

    private final KeyRing keys;
    private final Map<String, DecryptedDocument> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DecryptedDocument> eldest) {
            return size() > CACHE_FILES;
        }
    };

    public DesiredStateLoader(KeyRing keys) {
        this.keys = keys;
    }

    /** Loads {@code tree} for {@code environment} (empty for a single-environment repo). */
    public synchronized LoadedState load(RepoTree tree, Optional<String> environment) {
        LoadResult result = RepoLoader.load(tree, environment);
        if (!result.ok()) {
            return new LoadedState.Invalid(result.problems());
        }
        Repo repo = result.repo().orElseThrow();
        List<Problem> problems = new ArrayList<>();
        Map<String, DecryptedDocument> documents = new TreeMap<>();
        Map<String, SortedMap<String, SecretValue>> values = new TreeMap<>();
        Map<String, SortedMap<String, SecretValue>> fileValues = new TreeMap<>();
        Map<SecretRef, String> fingerprints = new LinkedHashMap<>();
        for (Service service : repo.services().values()) {
            for (Map.Entry<String, SecretRef> e : service.secrets().entrySet()) {
                SecretRef ref = e.getValue();
                Optional<SecretValue> value = value(tree, ref, documents, problems, service.source(),
                    "secret " + e.getKey());
                if (value.isPresent()) {
                    values.computeIfAbsent(service.name(), s -> new TreeMap<>()).put(e.getKey(), value.get());
                    fingerprints.put(ref, value.get().fingerprint());
                }
            }
            for (ServiceFile file : service.files()) {
                if (file.content() instanceof ServiceFile.Secret(SecretRef ref)) {
                    Optional<SecretValue> value = value(tree, ref, documents, problems, file.location(),
                        "file " + file.target());
                    if (value.isPresent()) {
                        fileValues.computeIfAbsent(service.name(), s -> new TreeMap<>()).put(file.target(), value.get());
                        fingerprints.put(ref, value.get().fingerprint());
                    }
                }
            }
        }
        Map<String, RegistryCredential> registries = new TreeMap<>();
        for (RegistryLogin login : repo.registries().values()) {
            value(tree, login.password(), documents, problems, login.source(), "registries." + login.registry()
                + ".password").ifPresent(v -> registries.put(login.registry(),
                    new RegistryCredential(login.registry(), login.username(), v)));
        }
        if (!problems.isEmpty()) {
            return new LoadedState.Invalid(problems.stream().sorted().distinct().toList());
        }
        DesiredState state = repo.resolve(ref -> {
            String fp = fingerprints.get(ref);
            if (fp == null) {
                throw new IllegalStateException("no fingerprint for " + ref);
            }
            return fp;
        });
        return new LoadedState.Ready(repo, state, new ServiceSecrets(values, fileValues, registries));
    }

    /** The value {@code ref} points at, decrypting its file once per load; a problem when there is none. */
    private Optional<SecretValue> value(RepoTree tree, SecretRef ref, Map<String, DecryptedDocument> documents,
                                        List<Problem> problems, SourceLocation at, String what) {
        Optional<DecryptedDocument> doc = documents.containsKey(ref.file())
            ? Optional.ofNullable(documents.get(ref.file()))
            : decrypt(tree, ref.file(), problems);
        documents.put(ref.file(), doc.orElse(null));
        if (doc.isEmpty()) {
            return Optional.empty();
        }
        Optional<SecretValue> value = doc.get().lookup(ref.path());
        if (value.isEmpty()) {
            problems.add(Problem.at(at, what + ": " + ref + " has no value at " + String.join(".", ref.path())
                + " once decrypted"));
        }
        return value;
    }

    private Optional<DecryptedDocument> decrypt(RepoTree tree, String file, List<Problem> problems) {
        byte[] bytes;
        try {
            bytes = tree.read(file);
        } catch (IOException e) {
            problems.add(Problem.at(SourceLocation.of(file), "cannot read the secrets file: "
                + e.getClass().getSimpleName()));
            return Optional.empty();
        }
        String key = file + "@" + sha256(bytes);
        DecryptedDocument cached = cache.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            DecryptedDocument doc = Sops.decrypt(file, bytes, keys);
            cache.put(key, doc);
            return Optional.of(doc);
        } catch (SopsException e) {
            String message = e.getMessage();
            String prefix = file + ": ";
            problems.add(Problem.at(SourceLocation.of(file),
                message.startsWith(prefix) ? message.substring(prefix.length()) : message));
            return Optional.empty();
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "DesiredStateLoader[" + keys + "]";
    }

}
