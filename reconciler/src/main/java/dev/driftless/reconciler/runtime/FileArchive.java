package dev.driftless.reconciler.runtime;

import dev.driftless.model.Service;
import dev.driftless.model.ServiceFile;
import dev.driftless.secrets.SecretValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The tar archive that carries a service's {@code files} to where an instance reads them: into a
 * created container ({@code docker cp --archive - NAME:/}, see {@code DockerCommands.copyInto}),
 * or into a systemd instance's own directory on the host ({@code tar -x}, see {@code
 * SystemdCommands.writeFiles}). One regular-file entry per file, named by its target without the
 * leading '/' (a systemd service's targets are relative already), with the file's mode and numeric
 * owner. Parent directories are not entries (Docker creates missing ones, 0755 and root's, and
 * leaves existing ones as they are; tar creates them under the extracting user's umask). The
 * archive travels on stdin, never on a command line.
 */
public final class FileArchive {

    private FileArchive() {
    }

    /** Whether {@code service} places files where its instances read them. */
    public static boolean any(Service service) {
        return !service.files().isEmpty();
    }

    /** Sends an archive to a host; what went wrong, or empty. */
    @FunctionalInterface
    public interface Sender {
        Optional<String> send(byte[] archive) throws dev.driftless.reconciler.ssh.HostException;
    }

    /**
     * Makes the archive of {@code service}'s files for {@code launch} and hands it to {@code send},
     * clearing it afterwards (it may hold secret values). An archive that cannot be made (a secret
     * file without its value) is what went wrong, as is what {@code send} says.
     */
    public static Optional<String> send(Service service, InstanceRuntime.Launch launch, Sender send)
            throws dev.driftless.reconciler.ssh.HostException {
        byte[] archive;
        try {
            archive = archive(service, launch.secretFiles(), launch.deployedAt());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        try {
            return send.send(archive);
        } finally {
            Arrays.fill(archive, (byte) 0);
        }
    }

    /**
     * The archive of {@code service}'s files, secret files filled from {@code secretFiles} (by
     * target). The array may hold secret values: the caller clears it once sent.
     *
     * @param modified the modification time the files get (the deploy's time)
     * @throws IllegalArgumentException naming the target when a secret file's value is missing
     */
    public static byte[] archive(Service service, Map<String, SecretValue> secretFiles, Instant modified) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (ServiceFile file : service.files()) {
                byte[] bytes = content(file, secretFiles);
                try {
                    TarArchiveEntry entry = new TarArchiveEntry(file.target().startsWith("/")
                        ? file.target().substring(1) : file.target(), true);
                    entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~07777 | file.mode());
                    entry.setUserId(file.uid());
                    entry.setGroupId(file.gid());
                    entry.setModTime(modified.toEpochMilli());
                    entry.setSize(bytes.length);
                    tar.putArchiveEntry(entry);
                    tar.write(bytes);
                    tar.closeArchiveEntry();
                } finally {
                    Arrays.fill(bytes, (byte) 0);
                }
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("writing a tar archive to memory", e);
        }
        return out.toByteArray();
    }

    /**
     * The checksums of {@code service}'s files as placed (see {@link #archive}): one line per file,
     * {@code <SHA-256, lowercase hex> <mode> <owner> <target>} ({@link FileDrift#line(byte[], int,
     * String, String)}), in the order of {@code files}, leaving out the files whose drift is ignored
     * ({@code drift: ignore}: the program may rewrite them); empty when that leaves none. The owner
     * is the file's {@code uid:gid} in a container, {@link FileDrift#DIRECTORY_OWNER} for a systemd
     * instance's files (they belong to whoever owns its directory). Observation compares what an
     * instance's files hold now with it ({@link FileDrift}). It holds plain hashes of secret files,
     * so it is written where only whoever can read those files can read it, and never logged or
     * recorded.
     *
     * @param inContainer whether the files go into a container (numeric owners) or a unit's directory
     * @throws IllegalArgumentException naming the target when a secret file's value is missing
     */
    public static byte[] manifest(Service service, Map<String, SecretValue> secretFiles, boolean inContainer) {
        StringBuilder b = new StringBuilder();
        for (ServiceFile file : service.files().stream().filter(ServiceFile::checked).toList()) {
            byte[] bytes = content(file, secretFiles);
            try {
                b.append(FileDrift.line(bytes, file.mode(), inContainer ? file.uid() + ":" + file.gid()
                    : FileDrift.DIRECTORY_OWNER, file.target()));
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A file's bytes, a copy the caller clears: from the repo, inline, or the secret's value. */
    private static byte[] content(ServiceFile file, Map<String, SecretValue> secretFiles) {
        return switch (file.content()) {
            case ServiceFile.Plain p -> p.bytes();
            case ServiceFile.Secret s -> {
                SecretValue value = secretFiles.get(file.target());
                if (value == null) {
                    throw new IllegalArgumentException("no value was decrypted for the secret file " + file.target());
                }
                yield value.bytes();
            }
        };
    }
}
