package dev.driftless.reconciler.source.verify;

/** Whether a commit may be applied under the repository's signature policy, and why. */
public sealed interface Verdict {

    /** One line for logs and messages. */
    String text();

    /** No policy is set ({@code repo.verify} absent): every commit may be applied, unchecked. */
    record Unchecked() implements Verdict {
        @Override
        public String text() {
            return "not checked (no repo.verify)";
        }
    }

    /**
     * Signed by a trusted key.
     *
     * @param signer who signed, with which key, e.g. "Grace Hopper &lt;grace@example.org&gt; (OpenPGP
     *               key 6F2B…91C4)" or "grace@example.org (ED25519 key SHA256:…, allowed_signers:2)":
     *               what the deployment history records
     */
    record Trusted(String signer) implements Verdict {
        @Override
        public String text() {
            return "signed by " + signer;
        }
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
