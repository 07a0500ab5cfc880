package dev.driftless.reconciler.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured known_hosts file, re-read when it changes so an operator can pin a new host
 * without restarting the daemon.
 */
final class KnownHostsSource {

    private static final Logger LOG = LoggerFactory.getLogger(KnownHostsSource.class);

    private final Optional<Path> file;
    private KnownHosts current = KnownHosts.empty();
    private FileTime loadedModified;
    private long loadedSize = -1;

    KnownHostsSource(Optional<Path> file) {
        this.file = file;
        file.ifPresent(f -> {
            if (Files.exists(f) && !Files.isReadable(f)) {
                throw new SshConfigurationException("known_hosts file " + f + " is not readable by this user");
            }
        });
        current();
    }

    boolean configured() {
        return file.isPresent();
    }

    /** The pins as of now. */
    synchronized KnownHosts current() {
        if (file.isEmpty()) {
            return current;
        }
        Path f = file.get();
        try {
            FileTime modified = Files.getLastModifiedTime(f);
            long size = Files.size(f);
            if (!modified.equals(loadedModified) || size != loadedSize) {
                current = KnownHosts.load(f);
                loadedModified = modified;
                loadedSize = size;
                current.problems().forEach(p -> LOG.warn("known_hosts: {}", p));
            }
        } catch (NoSuchFileException e) {
            if (loadedSize != -2) {
                LOG.warn("known_hosts file {} does not exist: only inventory host keys are pinned", f);
                loadedSize = -2;
                loadedModified = null;
                current = KnownHosts.parse("", f.toString());
            }
        } catch (IOException e) {
            LOG.warn("could not re-read known_hosts file {} ({}); keeping the pins read before", f, e.getMessage());
        }
        return current;
    }

    String describe() {
        return file.map(Path::toString).orElse("(no known_hosts file)");
    }
}
