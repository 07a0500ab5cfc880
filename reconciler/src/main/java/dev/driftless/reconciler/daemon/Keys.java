package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.config.DaemonConfig;
import dev.driftless.secrets.KeyRing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The identities that decrypt the repo's SOPS files: the configured key files plus sops's environment variables. */
public final class Keys {

    private Keys() {
    }

    /** Key files named in the configuration and on the command line, then SOPS_AGE_KEY_FILE and friends. */
    public static KeyRing ring(DaemonConfig.Secrets configured, List<Path> extraAge, List<Path> extraPgp,
                               Map<String, String> env) {
        Optional<Supplier<char[]>> passphrase = configured.passphraseFile().map(Keys::firstLine);
        KeyRing.Builder b = KeyRing.builder();
        configured.ageKeyFiles().forEach(f -> b.ageIdentityFile(f, passphrase));
        extraAge.forEach(f -> b.ageIdentityFile(f, passphrase));
        configured.pgpKeyFiles().forEach(f -> b.pgpSecretKeyFile(f, passphrase));
        extraPgp.forEach(f -> b.pgpSecretKeyFile(f, passphrase));
        return b.build().plus(KeyRing.fromEnvironment(env));
    }

    private static Supplier<char[]> firstLine(Path file) {
        return () -> {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                return (end < 0 ? text : text.substring(0, end)).strip().toCharArray();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the passphrase file " + file, e);
            }
        };
    }
}
