package dev.driftless.reconciler.command;

/**
 * Commands that write and read files on a host. The content of a write always travels on the
 * command's stdin, never on its command line, so secret env files never show in a process list.
 */
public final class RemoteFiles {

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private RemoteFiles() {
    }

    /**
     * Writes stdin to {@code path} atomically: with umask 077 the parent directory is created (and
     * made 0700: it must belong to the SSH user), stdin goes to a temporary file beside the target,
     * which gets {@code mode} and is renamed over the target. On failure the temporary file is
     * removed and the command exits non-zero; the target keeps its old content.
     *
     * @param path      absolute, or relative to the SSH user's home directory
     * @param mode      permission bits, e.g. {@code 0600}
     * @param tmpSuffix a random suffix that keeps concurrent writes apart
     */
    public static RemoteCommand atomicWrite(String path, int mode, String tmpSuffix) {
        String dir = checkedParent(path, mode, tmpSuffix);
        RemoteCommand prepare = RemoteCommand.of("umask", "077")
            .and(RemoteCommand.of("mkdir", "-p", "--", dir))
            .and(RemoteCommand.of("chmod", "700", "--", dir));
        return prepare.and(writeAndRename(dir, path, mode, tmpSuffix));
    }

    /** The checks every write makes of its arguments; the parent directory of {@code path}. */
    private static String checkedParent(String path, int mode, String tmpSuffix) {
        checkPath(path);
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException("mode must be between 0 and 0777, got " + Integer.toOctalString(mode));
        }
        if (!tmpSuffix.matches("[A-Za-z0-9]+")) {
            throw new IllegalArgumentException("tmpSuffix must be alphanumeric");
        }
        String dir = parent(path);
        if (dir.equals("/") || dir.equals(".")) {
            throw new IllegalArgumentException("write files into a directory of their own, got '" + path + "'");
        }
        return dir;
    }

    /** Stdin to a temporary file beside {@code path}, given {@code mode}, renamed over it; removed on failure. */
    private static RemoteCommand writeAndRename(String dir, String path, int mode, String tmpSuffix) {
        String tmp = dir + "/." + name(path) + ".driftless-" + tmpSuffix;
        RemoteCommand write = RemoteCommand.of("cat").stdoutTo(tmp)
            .and(RemoteCommand.of("chmod", Integer.toOctalString(mode), "--", tmp))
            .and(RemoteCommand.of("mv", "-f", "--", tmp, path));
        RemoteCommand cleanUp = RemoteCommand.of("rm", "-f", "--", tmp).then(RemoteCommand.of("exit", "1"));
        return write.or(cleanUp);
    }

    /**
     * Like {@link #atomicWrite}, but as root with {@code sudo -n} (never waiting for a password),
     * for files in directories root owns ({@code /etc/systemd/system}): the parent directory is
     * created when missing (mode 0700 under umask 077) but an existing one is left as it is, and the
     * file ends up owned by root with {@code mode}. Stdin carries the content, as for every write.
     *
     * @param path an absolute path
     */
    public static RemoteCommand atomicWriteAsRoot(String path, int mode, String tmpSuffix) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a file written as root needs an absolute path, got '" + path + "'");
        }
        String dir = checkedParent(path, mode, tmpSuffix);
        RemoteCommand prepare = RemoteCommand.of("umask", "077").and(RemoteCommand.of("mkdir", "-p", "--", dir));
        return asRoot(prepare.and(writeAndRename(dir, path, mode, tmpSuffix)));
    }

    /**
     * {@code command} run as root: {@code sudo -n sh -c '<command>'}. The command is rendered (every
     * word quoted) and passed to that shell as one argument, quoted again, so nothing in it can
     * change its shape; {@code -n} makes sudo fail at once where it would ask for a password.
     */
    public static RemoteCommand asRoot(RemoteCommand command) {
        return RemoteCommand.of("sudo", "-n", "sh", "-c", command.render());
    }

    /**
     * Prints a regular file base64-encoded (so any bytes survive the trip as text); exits 1 with
     * nothing on stderr when there is no such file, so a missing file can be told from an
     * unreadable one.
     */
    public static RemoteCommand read(String path) {
        checkPath(path);
        return RemoteCommand.of("test", "-f", path).and(RemoteCommand.of("base64").stdinFrom(path));
    }

    /** A random alphanumeric suffix for {@link #atomicWrite}'s temporary file. */
    public static String randomSuffix() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * Removes the regular files directly in {@code dir} whose names match the glob {@code pattern}
     * (the pattern is an argument of find, never expanded by the shell).
     */
    public static RemoteCommand removeMatching(String dir, String pattern) {
        checkPath(dir + "/x");
        if (pattern.contains("/")) {
            throw new IllegalArgumentException("pattern must not contain '/'");
        }
        return RemoteCommand.of("find", dir, "-maxdepth", "1", "-type", "f", "-name", pattern, "-delete");
    }

    /** Removes a file if it exists. */
    public static RemoteCommand remove(String path) {
        checkPath(path);
        return RemoteCommand.of("rm", "-f", "--", path);
    }

    /**
     * Checks a remote path: not empty, not a directory name, no NUL or line break, no {@code ..}.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static void checkPath(String path) {
        if (path.isEmpty() || path.endsWith("/")) {
            throw new IllegalArgumentException("a remote file path must name a file, got '" + path + "'");
        }
        if (path.indexOf('\0') >= 0 || path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a remote file path must not contain NUL or line breaks");
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                throw new IllegalArgumentException("a remote file path must not contain '..': " + path);
            }
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return ".";
        }
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
