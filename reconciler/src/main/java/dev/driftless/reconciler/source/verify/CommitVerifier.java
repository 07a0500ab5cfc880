package dev.driftless.reconciler.source.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * The repository's signature policy ({@code repo.verify}): a commit is applied only when it is
 * signed by a trusted key, OpenPGP (gpg) or SSH, as {@code git verify-commit} would accept it
 * with the same keys. Like Flux's {@code GitRepository.spec.verify}, it is the commit to be
 * applied (the branch's head) that must be signed: its signer vouches for the whole tree.
 *
 * <p>The key files are read again at every verification, so a key added to or removed from them
 * counts from the next commit on, without a restart; one that cannot be read then refuses the
 * commit (fail closed). {@link #open} reads them once so a broken file stops the daemon's start.
 */
public final class CommitVerifier {

    /** Accepts every commit: no {@code repo.verify} configured. */
    public static final CommitVerifier NONE = new CommitVerifier(Optional.empty(), ZoneId.systemDefault());

    /**
     * The trusted keys.
     *
     * @param pgpKeys           OpenPGP public key files (armored or binary; several keys per file are fine)
     * @param sshAllowedSigners an allowed signers file in git's {@code gpg.ssh.allowedSignersFile} format
     * @param sshRevokedKeys    SSH keys and certificates no longer trusted, as git's
     *                          {@code gpg.ssh.revocationKeyring}: a key revocation list
     *                          ({@code ssh-keygen -k}) or a list of public keys
     */
    public record Policy(List<Path> pgpKeys, Optional<Path> sshAllowedSigners, Optional<Path> sshRevokedKeys) {
        public Policy {
            pgpKeys = List.copyOf(pgpKeys);
            Objects.requireNonNull(sshAllowedSigners, "sshAllowedSigners");
            Objects.requireNonNull(sshRevokedKeys, "sshRevokedKeys");
            if (pgpKeys.isEmpty() && sshAllowedSigners.isEmpty()) {
                throw new IllegalArgumentException("repo.verify needs pgp-keys or ssh-allowed-signers (or both)");
            }
        }

        /** Without a revocation list. */
        public Policy(List<Path> pgpKeys, Optional<Path> sshAllowedSigners) {
            this(pgpKeys, sshAllowedSigners, Optional.empty());
        }
    }

    private final Optional<Policy> policy;
    private final ZoneId localZone;

    private CommitVerifier(Optional<Policy> policy, ZoneId localZone) {
        this.policy = policy;
        this.localZone = localZone;
    }

    /** A verifier for {@code policy}, after reading its files once; a file that does not read or parse throws. */
    public static CommitVerifier open(Policy policy) throws TrustFileException {
        CommitVerifier verifier = new CommitVerifier(Optional.of(policy), ZoneId.systemDefault());
        verifier.trust();
        return verifier;
    }

    /** Whether commits are checked at all. */
    public boolean enabled() {
        return policy.isPresent();
    }

    /** Checks commit {@code id} of {@code repository}; {@code now} decides whether an OpenPGP key has expired. */
    public Verdict verify(Repository repository, ObjectId id, Instant now) {
        if (policy.isEmpty()) {
            return new Verdict.Unchecked();
        }
        SignedCommit commit;
        try {
            commit = SignedCommit.read(repository, id);
        } catch (IOException e) {
            return new Verdict.Refused("commit " + id.name().substring(0, 7) + " cannot be read to check its signature ("
                + e.getClass().getSimpleName() + ")");
        }
        return verify(commit, now);
    }

    Verdict verify(SignedCommit commit, Instant now) {
        String c = "commit " + commit.shortSha();
        if (commit.signature().isEmpty()) {
            return new Verdict.Refused(c + " is not signed; repo.verify accepts only commits signed by a trusted key"
                + " (" + accepted() + ")");
        }
        Trust trust;
        try {
            trust = trust();
        } catch (TrustFileException e) {
            return new Verdict.Refused(c + " cannot be checked: " + e.getMessage());
        }
        String signature = commit.signature().get();
        if (signature.startsWith(SshSignatures.ARMOR_BEGIN)) {
            return trust.signers().isEmpty()
                ? new Verdict.Refused(c + " is signed with an SSH key, and repo.verify trusts OpenPGP keys only"
                    + " (repo.verify.ssh-allowed-signers is not set)")
                : SshSignatures.verify(commit, signature, trust.signers().get(), trust.revoked());
        }
        if (signature.startsWith(OpenPgpSignatures.ARMOR_BEGIN)) {
            return trust.pgp().isEmpty()
                ? new Verdict.Refused(c + " is signed with an OpenPGP key, and repo.verify trusts SSH keys only"
                    + " (repo.verify.pgp-keys is not set)")
                : OpenPgpSignatures.verify(commit, signature, trust.pgp().get(), now);
        }
        return new Verdict.Refused(c + " carries a signature of a kind driftless does not check (neither OpenPGP"
            + " nor SSH; X.509 signatures are not supported)");
    }

    private record Trust(Optional<OpenPgpSignatures.Keys> pgp, Optional<AllowedSigners> signers,
                         dev.driftless.reconciler.sshkeys.RevokedKeys revoked) {
    }

    private Trust trust() throws TrustFileException {
        Policy p = policy.orElseThrow();
        Optional<OpenPgpSignatures.Keys> pgp = p.pgpKeys().isEmpty() ? Optional.empty()
            : Optional.of(OpenPgpSignatures.read(p.pgpKeys()));
        Optional<AllowedSigners> signers = p.sshAllowedSigners().isEmpty() ? Optional.empty()
            : Optional.of(AllowedSigners.read(p.sshAllowedSigners().get(), localZone));
        dev.driftless.reconciler.sshkeys.RevokedKeys revoked = dev.driftless.reconciler.sshkeys.RevokedKeys.none();
        if (p.sshRevokedKeys().isPresent()) {
            try {
                revoked = dev.driftless.reconciler.sshkeys.RevokedKeys.read(p.sshRevokedKeys().get());
            } catch (IllegalArgumentException e) {
                throw new TrustFileException("repo.verify.ssh-revoked-keys " + e.getMessage());
            }
        }
        return new Trust(pgp, signers, revoked);
    }

    private String accepted() {
        Policy p = policy.orElseThrow();
        return (p.pgpKeys().isEmpty() ? "" : "OpenPGP keys of " + String.join(", ",
                p.pgpKeys().stream().map(Path::toString).toList()))
            + (!p.pgpKeys().isEmpty() && p.sshAllowedSigners().isPresent() ? "; " : "")
            + p.sshAllowedSigners().map(f -> "SSH keys of " + f).orElse("");
    }

    @Override
    public String toString() {
        return "CommitVerifier[" + policy.map(Object::toString).orElse("none") + "]";
    }
}
