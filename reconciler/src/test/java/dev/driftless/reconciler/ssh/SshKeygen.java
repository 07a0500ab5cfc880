package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code ssh-keygen} on this machine to make keys, hashed known_hosts and reference fingerprints. */
public final class SshKeygen {

    private SshKeygen() {
    }

    /** Generates a key pair at {@code dir/name} ({@code type}: ed25519, rsa, ecdsa); returns the private key file. */
    public static Path generate(Path dir, String name, String type, String passphrase, String... extra) {
        Path file = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", name + "@test",
            "-f", file.toString()));
        cmd.addAll(List.of(extra));
        run(cmd);
        return file;
    }

    /** The public key line of a generated key: {@code type base64 comment}. */
    public static String publicKey(Path privateKey) {
        try {
            return Files.readString(Path.of(privateKey + ".pub"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code ssh-keygen -s CA [-h] -I id -n principals -V validity -z serial [-O option…]} of the
     * key pair at {@code key}: the certificate's line ({@code type base64 comment}).
     */
    public static String certify(Path ca, Path key, boolean host, String id, String principals, String validity,
                                 long serial, String... options) {
        Path cert = Path.of(key + "-cert.pub");
        try {
            Files.deleteIfExists(cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", id, "-n", principals,
            "-V", validity, "-z", Long.toString(serial)));
        if (host) {
            cmd.add("-h");
        }
        for (String option : options) {
            cmd.addAll(List.of("-O", option));
        }
        cmd.add(key + ".pub");
        run(cmd);
        try {
            return Files.readString(cert, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ssh-keygen -lf}: e.g. {@code 256 SHA256:abc… comment (ED25519)}. */
    static String fingerprintLine(Path publicKeyFile) {
        return run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", publicKeyFile.toString())).strip();
    }

    /** Hashes every host name in a known_hosts file in place ({@code ssh-keygen -H}). */
    static void hash(Path knownHosts) {
        run(List.of("ssh-keygen", "-H", "-f", knownHosts.toString()));
        try {
            Files.deleteIfExists(Path.of(knownHosts + ".old"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String run(List<String> cmd) {
        return ExternalTool.run(cmd, null, java.util.Map.of(), java.time.Duration.ofSeconds(60));
    }
}
