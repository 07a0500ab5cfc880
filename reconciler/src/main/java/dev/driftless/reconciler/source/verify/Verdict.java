package dev.driftless.reconciler.source.verify;

/** Whether a commit may be applied under the repository's signature policy, and why. */
public sealed interface Verdict {

    /** One line for logs and history. */
    String text();

    /**
     * Signed by a trusted key (or no policy is set).
     *
     * @param text e.g. "signed by Grace Hopper <grace@example.org> (OpenPGP key 6F2B…91C4)"
     */
    record Trusted(String text) implements Verdict {
    }

    /**
     * Not to be applied: unsigned, signed by a key not trusted, a signature that does not match,
     * an expired or revoked key, or a trust file that cannot be read.
     *
     * @param text e.g. "commit 3f9a2c1 is not signed; repo.verify accepts only commits signed by a trusted key"
     */
    record Refused(String text) implements Verdict {
    }
}
