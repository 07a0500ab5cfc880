package dev.driftless.reconciler.ssh;

/**
 * The SSH settings themselves are unusable (key file missing, wrong passphrase, unreadable
 * known_hosts): a user error reported with a message that names the file, never a stack trace.
 */
public final class SshConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SshConfigurationException(String message) {
        super(message);
    }

    public SshConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
