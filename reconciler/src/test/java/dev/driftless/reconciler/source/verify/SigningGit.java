package dev.driftless.reconciler.source.verify;

import dev.driftless.reconciler.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The real git, gpg and ssh-keygen of this machine, making signed commits as engineers do
 * ({@code git commit -S} with {@code gpg.format} openpgp or ssh). Everything lives under one
 * directory: the repository, a throwaway GNUPGHOME (never ~/.gnupg) and the keys; git reads no
 * global or system configuration. {@link #close()} stops the gpg-agent it started.
 */
public final class SigningGit implements AutoCloseable {

    private final Path dir;
    private final Path repo;
    private final Path gnupg;
    private int tick;
    private String agentPid;

    private SigningGit(Path dir, Path repo) {
        this.dir = dir;
        this.repo = repo;
        this.gnupg = dir.resolve("gnupg");
    }

    /** A new repository at {@code dir/repo} on branch main, or git's view of an existing one at {@code repo}. */
    public static SigningGit init(Path dir) {
        SigningGit git = new SigningGit(dir, dir.resolve("repo"));
        git.git("init", "-q", "-b", "main", git.repo.toString());
        return git;
    }

    /** Signs commits in an existing work tree (created by JGit, say); tools' files live under {@code dir}. */
    public static SigningGit of(Path repo, Path dir) {
        return new SigningGit(dir, repo);
    }

    public Path repo() {
        return repo;
    }

    // ---- SSH ----

    /** {@code ssh-keygen -t type}: returns the private key file (its .pub next to it). */
    public Path sshKey(String name, String type, String... extra) {
        Path key = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f",
            key.toString()));
        cmd.addAll(List.of(extra));
        run(cmd, Map.of());
        return key;
    }

    /** The public key line: {@code type base64 comment}. */
    public String publicKey(Path key) {
        return read(Path.of(key + ".pub")).strip();
    }

    /** {@code ssh-keygen -lf}'s fingerprint: {@code SHA256:…}. */
    public String fingerprint(Path key) {
        return run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"), Map.of()).split(" ")[1];
    }

    /** Writes an allowed signers file of {@code lines}. */
    public Path allowedSigners(String name, String... lines) {
        Path file = dir.resolve(name);
        write(file, String.join("\n", lines) + "\n");
        return file;
    }

    /** Commits (everything in the work tree, or nothing) signed with an SSH key; returns the commit id. */
    public String commitSsh(Path key, String message) {
        return commit(message, List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + key), true, Map.of());
    }

    /**
     * {@code ssh-keygen -s CA -I id -n principals -V validity}: certifies {@code key}'s public key
     * as a user's ({@code host}: a host's), with certificate {@code options} ({@code -O}: e.g.
     * {@code verify-required}); returns the certificate file ({@code key-cert.pub}).
     */
    public Path sshCertificate(Path key, Path ca, String id, String principals, String validity, boolean host,
                               String... options) {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", id, "-n", principals,
            "-V", validity, "-z", "7"));
        if (host) {
            cmd.add("-h");
        }
        for (String option : options) {
            cmd.addAll(List.of("-O", option));
        }
        cmd.add(key + ".pub");
        run(cmd, Map.of());
        return Path.of(key + "-cert.pub");
    }

    /**
     * Commits signed with {@code key}'s certificate, as git does when {@code user.signingkey} names
     * a certificate: ssh-keygen signs through an ssh-agent (started once, stopped by {@link
     * #close}) holding the key and its certificate, and puts the certificate into the signature.
     */
    public String commitSshCertificate(Path key, String message) {
        if (agentPid == null) {
            String out = run(List.of("ssh-agent", "-s", "-a", agentSocket().toString()), Map.of());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("SSH_AGENT_PID=(\\d+)").matcher(out);
            if (!m.find()) {
                throw new IllegalStateException("ssh-agent did not say its pid: " + out);
            }
            agentPid = m.group(1);
        }
        Map<String, String> agent = Map.of("SSH_AUTH_SOCK", agentSocket().toString());
        run(List.of("ssh-add", "-q", key.toString()), agent);
        return commit(message, List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + key + "-cert.pub"), true,
            agent);
    }

    private Path agentSocket() {
        return dir.resolve("agent.sock");
    }

    // ---- OpenPGP ----

    /** {@code gpg --quick-gen-key}: a primary key of {@code algo} for {@code usage}; returns its fingerprint. */
    public String pgpKey(String userId, String algo, String usage, String expire, String... gpgOptions) {
        List<String> args = new ArrayList<>(List.of(gpgOptions));
        args.addAll(List.of("--passphrase", "", "--quick-gen-key", userId, algo, usage, expire));
        gpg(args);
        for (String line : gpg(List.of("--with-colons", "--list-keys", userId)).split("\n")) {
            if (line.startsWith("fpr:")) {
                return line.split(":")[9];
            }
        }
        throw new AssertionError("no fingerprint for " + userId);
    }

    /** Adds a subkey ({@code --quick-add-key}); returns its fingerprint. */
    public String pgpSubkey(String fingerprint, String algo, String usage) {
        gpg(List.of("--passphrase", "", "--quick-add-key", fingerprint, algo, usage, "never"));
        String last = null;
        boolean sub = false;
        for (String line : gpg(List.of("--with-colons", "--list-keys", fingerprint)).split("\n")) {
            if (line.startsWith("sub:")) {
                sub = true;
            } else if (line.startsWith("fpr:") && sub) {
                last = line.split(":")[9];
                sub = false;
            }
        }
        return last;
    }

    /** Revokes a key with the revocation certificate gpg made with it. */
    public void revoke(String fingerprint) {
        Path rev = gnupg.resolve("openpgp-revocs.d").resolve(fingerprint + ".rev");
        String text = read(rev).replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Path fixed = dir.resolve(fingerprint + ".rev");
        write(fixed, text);
        gpg(List.of("--import", fixed.toString()));
    }

    /** {@code gpg --export --armor} to {@code dir/name}. */
    public Path exportPublic(String name, String... fingerprints) {
        List<String> args = new ArrayList<>(List.of("--armor", "--export"));
        args.addAll(List.of(fingerprints));
        Path file = dir.resolve(name);
        write(file, gpg(args));
        return file;
    }

    /**
     * Commits signed with OpenPGP key {@code keyId} through gpg (which picks its signing subkey, if
     * any); extra gpg options go through a wrapper script.
     */
    public String commitPgp(String keyId, String message, String... gpgOptions) {
        Path program = dir.resolve("gpg-wrapper");
        write(program, "#!/bin/sh\nexec gpg --homedir '" + gnupg + "' " + String.join(" ", gpgOptions) + " \"$@\"\n");
        try {
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return commit(message, List.of("-c", "gpg.format=openpgp", "-c", "gpg.program=" + program,
            "-c", "user.signingkey=" + keyId), true, Map.of());
    }

    // ---- plain git ----

    public String commitUnsigned(String message) {
        return commit(message, List.of(), false, Map.of());
    }

    /** Writes a file of the work tree. */
    public SigningGit file(String path, String content) {
        Path file = repo.resolve(path);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(file, content);
        return this;
    }

    /** The raw commit object ({@code git cat-file commit}). */
    public String catCommit(String id) {
        return git("-C", repo.toString(), "cat-file", "commit", id);
    }

    /** Writes a commit object as given (e.g. a signed commit whose message was altered); returns its id. */
    public String writeCommit(String raw) {
        Path file = dir.resolve("commit-object");
        write(file, raw);
        return git("-C", repo.toString(), "hash-object", "-t", "commit", "-w", file.toString()).strip();
    }

    /** The committer time of {@code id}, as the verifier sees it. */
    public Instant committedAt(String id) {
        return Instant.ofEpochSecond(Long.parseLong(git("-C", repo.toString(), "log", "-1", "--format=%ct", id).strip()));
    }

    public String git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        return run(cmd, Map.of());
    }

    private String commit(String message, List<String> config, boolean sign, Map<String, String> env) {
        tick++;
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(config);
        cmd.addAll(List.of("-c", "user.name=Grace Hopper", "-c", "user.email=grace@example.org", "add", "-A"));
        run(cmd, env);
        cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(config);
        cmd.addAll(List.of("-c", "user.name=Grace Hopper", "-c", "user.email=grace@example.org", "commit", "-q",
            "--allow-empty", sign ? "-S" : "--no-gpg-sign", "-m", message));
        Map<String, String> when = new HashMap<>(env);
        String date = String.format("2026-11-01T09:%02d:00Z", tick % 60);
        when.put("GIT_AUTHOR_DATE", date);
        when.put("GIT_COMMITTER_DATE", date);
        run(cmd, when);
        return git("-C", repo.toString(), "rev-parse", "HEAD").strip();
    }

    private String gpg(List<String> args) {
        try {
            Files.createDirectories(gnupg);
            Files.setPosixFilePermissions(gnupg, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of("gpg", "--homedir", gnupg.toString(), "--batch", "--yes",
            "--no-tty", "--pinentry-mode", "loopback"));
        cmd.addAll(args);
        return run(cmd, Map.of());
    }

    private String run(List<String> cmd, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("HOME", dir.toString(), "GNUPGHOME", gnupg.toString(),
            "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null"));
        all.putAll(env);
        return ExternalTool.run(cmd, null, all, Duration.ofSeconds(120));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (agentPid != null) {
            ExternalTool.run(List.of("kill", agentPid), null, Map.of(), Duration.ofSeconds(30));
        }
        if (Files.isDirectory(gnupg)) {
            ExternalTool.run(List.of("gpgconf", "--homedir", gnupg.toString(), "--kill", "gpg-agent"), null, Map.of(),
                Duration.ofSeconds(30));
        }
    }
}
