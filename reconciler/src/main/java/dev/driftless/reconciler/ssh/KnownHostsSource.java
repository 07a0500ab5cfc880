package dev.driftless.reconciler.ssh;

import dev.driftless.reconciler.sshkeys.RevokedKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured known_hosts file and revoked host keys file ({@code ssh.revoked-host-keys}),
 * each re-read when it changes so an operator can pin a new host or revoke a key without
 * restarting the daemon.
 */
final class KnownHostsSource {

    private static final Logger LOG = LoggerFactory.getLogger(KnownHostsSource.class);

    /** Whether a file changed since it was last read: its modification time and size. */
    private static final class Stamp {
        private FileTime modified;
        private long size = -1;

        boolean changed(Path f) throws IOException {
            FileTime m = Files.getLastModifiedTime(f);
            long s = Files.size(f);
            if (m.equals(modified) && s == size) {
                return false;
            }
            modified = m;
            size = s;
            return true;
        }

        /** Forgets what was read, so that the next look reads the file again. */
        void reset() {
            modified = null;
            size = -1;
        }
    }

    private final Optional<Path> file;
    private final Optional<Path> revokedFile;
    private KnownHosts current = KnownHosts.empty();
    private final Stamp knownHostsStamp = new Stamp();
    private boolean missingReported;
    private RevokedKeys revoked = RevokedKeys.none();
    private String revokedProblem;
    private final Stamp revokedStamp = new Stamp();

    KnownHostsSource(Optional<Path> file) {
        this(file, Optional.empty());
    }

    /** Reads both files once; one that cannot be read stops the start. */
    KnownHostsSource(Optional<Path> file, Optional<Path> revokedFile) {
        this.file = file;
        this.revokedFile = revokedFile;
        file.ifPresent(f -> {
            if (Files.exists(f) && !Files.isReadable(f)) {
                throw new SshConfigurationException("known_hosts file " + f + " is not readable by this user");
            }
        });
        current();
        revoked();
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
            if (knownHostsStamp.changed(f)) {
                current = KnownHosts.load(f);
                missingReported = false;
                current.problems().forEach(p -> LOG.warn("known_hosts: {}", p));
            }
        } catch (NoSuchFileException e) {
            knownHostsStamp.reset();
            if (!missingReported) {
                LOG.warn("known_hosts file {} does not exist: only inventory host keys are pinned", f);
                missingReported = true;
                current = KnownHosts.parse("", f.toString());
            }
        } catch (IOException e) {
            LOG.warn("could not re-read known_hosts file {} ({}); keeping the pins read before", f, e.getMessage());
        }
        return current;
    }

    /**
     * The revoked host keys as of now. A file that cannot be read or parsed fails closed, as
     * OpenSSH's {@code RevokedHostKeys} does: no host key can be trusted while it is unknown
     * which are revoked.
     *
     * @throws SshConfigurationException saying why the file cannot be used
     */
    synchronized RevokedKeys revoked() {
        if (revokedFile.isEmpty()) {
            return revoked;
        }
        Path f = revokedFile.get();
        try {
            if (revokedStamp.changed(f)) {
                revoked = RevokedKeys.read(f);
                revokedProblem = null;
            }
        } catch (IOException | IllegalArgumentException e) {
            revokedStamp.reset();
            revokedProblem = "ssh.revoked-host-keys " + (e instanceof NoSuchFileException ? f + ": no such file"
                : e instanceof IllegalArgumentException ? e.getMessage() : f + ": cannot be read (" + e.getMessage() + ")");
        }
        if (revokedProblem != null) {
            throw new SshConfigurationException(revokedProblem);
        }
        return revoked;
    }
}
