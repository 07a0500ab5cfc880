package dev.driftless.reconciler.runtime.docker;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.observe.ObservedContainer;
import dev.driftless.reconciler.observe.RuntimeListing;
import dev.driftless.reconciler.observe.RuntimeObserver;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostFailure;
import dev.driftless.reconciler.runtime.FileDrift;
import dev.driftless.reconciler.ssh.HostTarget;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Observes a Docker host with {@link DockerCommands#observe()} and reads the answer: the server
 * version, then the inspected managed containers, with the files placed into them that changed on
 * the host ({@link FileDrift}). Tells a missing, stopped or forbidden Docker
 * apart, each with a message saying what to fix.
 */
public final class DockerObserver implements RuntimeObserver {

    private final boolean checkFiles;
    private final boolean tidy;

    /** An observer that checks the files placed into containers too. */
    public DockerObserver() {
        this(true);
    }

    /** @param checkFiles whether the files placed into containers are checked ({@link FileDrift}) */
    public DockerObserver(boolean checkFiles) {
        this(checkFiles, false);
    }

    /**
     * @param checkFiles whether the files placed into containers are checked ({@link FileDrift})
     * @param tidy       whether the check also removes the checksum lists of containers that no
     *                   longer exist: only for the daemon, which observes before it applies
     */
    public DockerObserver(boolean checkFiles, boolean tidy) {
        this.checkFiles = checkFiles;
        this.tidy = tidy;
    }

    @Override
    public RemoteCommand command() {
        return DockerCommands.observe(checkFiles, tidy);
    }

    @Override
    public RuntimeListing interpret(HostTarget host, CommandResult result) throws HostException {
        String stderr = result.stderr();
        String lower = stderr.toLowerCase(Locale.ROOT);
        if (lower.contains("permission denied") && lower.contains("docker")) {
            throw failure(host, HostFailure.Kind.RUNTIME_PERMISSION_DENIED,
                "user " + host.user() + " on host " + host.name() + " may not use Docker (permission denied on the "
                    + "Docker socket): add it to the docker group (usermod -aG docker " + host.user()
                    + "); driftless logs in again on its next attempt");
        }
        if (lower.contains("cannot connect to the docker daemon") || lower.contains("is the docker daemon running")) {
            throw failure(host, HostFailure.Kind.RUNTIME_UNAVAILABLE,
                "Docker is not running on host " + host.name() + ": " + firstLine(stderr));
        }
        if (result.exitCode() == 127 || lower.contains("docker: not found") || lower.contains("docker: command not found")) {
            throw failure(host, HostFailure.Kind.RUNTIME_MISSING,
                "Docker is not installed on host " + host.name() + " (no docker command for user " + host.user() + ")");
        }
        List<String> otherErrors = stderr.lines()
            .filter(l -> !l.isBlank())
            // A container removed between `docker ps` and `docker inspect` is simply gone.
            .filter(l -> !l.contains("No such object") && !l.contains("No such container"))
            .toList();
        boolean onlyVanished = otherErrors.isEmpty() && (result.exitCode() == 0 || result.exitCode() == 123);
        if (!onlyVanished) {
            throw failure(host, HostFailure.Kind.RUNTIME_PROTOCOL,
                "observing Docker on host " + host.name() + " failed (exit " + result.exitCode() + "): "
                    + (otherErrors.isEmpty() ? result.firstErrorLine() : otherErrors.get(0).strip()));
        }
        String stdout = result.stdout();
        int newline = stdout.indexOf('\n');
        String version = (newline < 0 ? stdout : stdout.substring(0, newline)).strip();
        if (version.isEmpty()) {
            throw failure(host, HostFailure.Kind.RUNTIME_PROTOCOL,
                "Docker on host " + host.name() + " did not report its version");
        }
        String json = newline < 0 ? "" : stdout.substring(newline + 1);
        Map<String, String> fileDrift = Map.of();
        String mark = DockerCommands.FILES_CHECK_MARK + "\n";
        int at = json.startsWith(mark) ? 0 : json.indexOf("\n" + mark);
        if (at >= 0) {
            fileDrift = FileDrift.read(json.substring(json.indexOf(mark, at) + mark.length()).lines().toList());
            json = json.substring(0, at);
        }
        try {
            List<ObservedContainer> containers = DockerInspectParser.parse(json);
            if (!fileDrift.isEmpty()) {
                Map<String, String> drift = fileDrift;
                containers = containers.stream()
                    .map(c -> drift.containsKey(c.name()) ? c.withDrift(drift.get(c.name())) : c).toList();
            }
            return new RuntimeListing(version, containers);
        } catch (IllegalArgumentException e) {
            throw failure(host, HostFailure.Kind.RUNTIME_PROTOCOL,
                "could not read docker inspect output from host " + host.name() + ": " + e.getMessage());
        }
    }

    private static HostException failure(HostTarget host, HostFailure.Kind kind, String message) {
        return new HostException(new HostFailure(host.name(), kind, message));
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("").strip();
    }
}
