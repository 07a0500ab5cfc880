package dev.driftless.secrets.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real GnuPG 2.2 in a throwaway GNUPGHOME (never ~/.gnupg); {@link #close()} stops the
 * gpg-agent it started.
 */
public final class Gpg implements AutoCloseable {

    private final Path home;

    public Gpg(Path home) {
        this.home = home;
        home.toFile().setReadable(true, true);
        home.toFile().setWritable(true, true);
        home.toFile().setExecutable(true, true);
    }

    public ExternalTool.Result run(byte[] stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of("gpg", "--homedir", home.toString(), "--batch", "--yes",
            "--no-tty", "--pinentry-mode", "loopback"));
        argv.addAll(List.of(args));
        return ExternalTool.run(argv, stdin, Map.of("GNUPGHOME", home.toString()), null);
    }

    /** Generates a primary key of {@code primaryAlgo} with an encryption subkey; returns the primary fingerprint. */
    public String generate(String userId, String primaryAlgo, String subkeyAlgo, String passphrase) {
        run(null, "--passphrase", passphrase, "--quick-gen-key", userId, primaryAlgo, "cert,sign", "never").assertOk();
        String fp = primaryFingerprint(userId);
        run(null, "--passphrase", passphrase, "--quick-add-key", fp, subkeyAlgo, "encr", "never").assertOk();
        return fp;
    }

    public String primaryFingerprint(String userId) {
        String out = run(null, "--with-colons", "--list-keys", userId).assertOk().out();
        for (String line : out.split("\n")) {
            if (line.startsWith("fpr:")) {
                return line.split(":")[9];
            }
        }
        throw new AssertionError("no fingerprint for " + userId);
    }

    /** Key id of the encryption subkey ("sub" with usage e). */
    public String encryptionSubkeyId(String fingerprint) {
        String out = run(null, "--with-colons", "--list-keys", fingerprint).assertOk().out();
        for (String line : out.split("\n")) {
            String[] f = line.split(":");
            if (f[0].equals("sub") && f[11].contains("e")) {
                return f[4];
            }
        }
        throw new AssertionError("no encryption subkey for " + fingerprint);
    }

    public byte[] exportSecret(String fingerprint, String passphrase) {
        return run(null, "--passphrase", passphrase, "--armor", "--export-secret-keys", fingerprint).assertOk().stdout();
    }

    public byte[] exportPublic(String fingerprint, boolean armor) {
        return armor ? run(null, "--armor", "--export", fingerprint).assertOk().stdout()
            : run(null, "--export", fingerprint).assertOk().stdout();
    }

    public String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        ExternalTool.run(List.of("gpgconf", "--kill", "gpg-agent"), null, Map.of("GNUPGHOME", home.toString()), null);
    }
}
