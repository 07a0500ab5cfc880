package dev.driftless.reconciler.observe;

import dev.driftless.reconciler.command.RemoteCommand;
import dev.driftless.reconciler.ssh.CommandResult;
import dev.driftless.reconciler.ssh.HostException;
import dev.driftless.reconciler.ssh.HostTarget;

/**
 * How one container runtime is observed: the single command that lists every managed container on
 * a host, and how to read what it printed. Docker's is {@code runtime.docker.DockerObserver}.
 */
public interface RuntimeObserver {

    /** The one command run per host per observation. */
    RemoteCommand command();

    /**
     * Reads the command's result.
     *
     * @throws HostException with a {@code RUNTIME_*} kind when the runtime is missing, not
     *                       running, refuses the SSH user, or printed something unreadable
     */
    RuntimeListing interpret(HostTarget host, CommandResult result) throws HostException;
}
