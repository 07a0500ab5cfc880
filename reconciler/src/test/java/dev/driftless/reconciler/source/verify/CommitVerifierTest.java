package dev.driftless.reconciler.source.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commits signed by the real git with the real gpg and ssh-keygen, checked as
 * {@code git verify-commit} would check them with the same trusted keys.
 */
class CommitVerifierTest {

    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    static Path tmp;
    private static SigningGit git;
    private static Repository repository;
    private static Path ed25519;
    private static Path stranger;

    @BeforeAll
    static void repo() throws IOException {
        git = SigningGit.init(tmp);
        ed25519 = git.sshKey("grace", "ed25519");
        stranger = git.sshKey("mallory", "ed25519");
        repository = new FileRepositoryBuilder().setGitDir(git.repo().resolve(".git").toFile()).build();
    }

    @AfterAll
    static void close() {
        repository.close();
        git.close();
    }

    private static CommitVerifier ssh(Path allowedSigners) throws TrustFileException {
        return CommitVerifier.open(new CommitVerifier.Policy(List.of(), Optional.of(allowedSigners)));
    }

    private static CommitVerifier pgp(Path... keyFiles) throws TrustFileException {
        return CommitVerifier.open(new CommitVerifier.Policy(List.of(keyFiles), Optional.empty()));
    }

    private static Verdict verify(CommitVerifier verifier, String commit) {
        return verifier.verify(repository, ObjectId.fromString(commit), NOW);
    }

    private static Path graceTrusted() {
        return git.allowedSigners("allowed_signers", "# the team", "",
            "grace@example.org " + git.publicKey(ed25519));
    }

    @Test
    void commitSignedWithATrustedSshKeyIsTrusted() throws Exception {
        String commit = git.file("hosts.yaml", "hosts: {}\n").commitSsh(ed25519, "ssh signed");
        assertThat(verify(ssh(graceTrusted()), commit)).isEqualTo(new Verdict.Trusted(
            "grace@example.org (ED25519 key " + git.fingerprint(ed25519) + ", allowed_signers:3)"));
    }

    @Test
    void rsaAndEcdsaSshSignaturesAreCheckedToo() throws Exception {
        for (String[] type : new String[][] {{"rsa", "-b", "3072"}, {"ecdsa", "-b", "256"}, {"ecdsa", "-b", "384"},
                {"ecdsa", "-b", "521"}}) {
            Path key = git.sshKey("k-" + type[0] + type[2], type[0], type[1], type[2]);
            String commit = git.commitSsh(key, "signed with " + type[0] + " " + type[2]);
            Path signers = git.allowedSigners("signers-" + type[0] + type[2], "ops@example.org " + git.publicKey(key));
            assertThat(verify(ssh(signers), commit)).as(type[0] + " " + type[2])
                .isInstanceOf(Verdict.Trusted.class)
                .extracting(Verdict::text).asString().contains(git.fingerprint(key));
        }
    }

    @Test
    void unsignedCommitIsRefused() throws Exception {
        String commit = git.commitUnsigned("not signed");
        Path signers = graceTrusted();
        assertThat(verify(ssh(signers), commit)).isEqualTo(new Verdict.Refused("commit " + commit.substring(0, 7)
            + " is not signed; repo.verify accepts only commits signed by a trusted key (SSH keys of " + signers + ")"));
    }

    @Test
    void sshKeyNotInTheAllowedSignersIsRefused() throws Exception {
        String commit = git.commitSsh(stranger, "signed by someone else");
        Path signers = graceTrusted();
        assertThat(verify(ssh(signers), commit).text()).isEqualTo("commit " + commit.substring(0, 7)
            + " is signed with ED25519 key " + git.fingerprint(stranger) + ", which is not in " + signers
            + " (repo.verify.ssh-allowed-signers)");
    }

    @Test
    void commitAlteredAfterSigningIsRefused() throws Exception {
        String signed = git.commitSsh(ed25519, "deploy api 1.2.0");
        String forged = git.writeCommit(git.catCommit(signed).replace("deploy api 1.2.0", "deploy api 6.6.6"));
        assertThat(verify(ssh(graceTrusted()), forged).text()).isEqualTo("commit " + forged.substring(0, 7)
            + " has a bad signature by ED25519 key " + git.fingerprint(ed25519)
            + ": the signature does not match the commit's content (was the commit altered after signing?)");
        assertThat(verify(ssh(graceTrusted()), signed)).isInstanceOf(Verdict.Trusted.class);
    }

    @Test
    void allowedSignersOptionsAreHonoured() throws Exception {
        String commit = git.commitSsh(ed25519, "options"); // committed 2026-11-01
        String key = git.publicKey(ed25519);
        String sha = commit.substring(0, 7);
        Path fileOnly = git.allowedSigners("file-only", "grace@example.org namespaces=\"file\" " + key);
        assertThat(verify(ssh(fileOnly), commit).text()).isEqualTo("commit " + sha + " is signed with ED25519 key "
            + git.fingerprint(ed25519) + ", not trusted for it: " + fileOnly
            + ":1 allows the key for namespaces file only, not git");
        Path expired = git.allowedSigners("expired", "grace@example.org valid-before=20261001Z " + key);
        assertThat(verify(ssh(expired), commit).text()).endsWith(expired
            + ":1 trusts the key only until 2026-10-01T00:00:00Z, and the commit is of " + git.committedAt(commit));
        Path notYet = git.allowedSigners("not-yet", "grace@example.org valid-after=202612010000Z " + key);
        assertThat(verify(ssh(notYet), commit).text()).endsWith(notYet
            + ":1 trusts the key only from 2026-12-01T00:00:00Z on, and the commit is of " + git.committedAt(commit));
        Path inWindow = git.allowedSigners("window",
            "grace@example.org namespaces=\"file,git\",valid-after=20260101Z,valid-before=20270101Z " + key);
        assertThat(verify(ssh(inWindow), commit)).isInstanceOf(Verdict.Trusted.class);
        Path laterLine = git.allowedSigners("second-line", "grace@example.org namespaces=\"file\" " + key,
            "grace@example.org,ops@example.org " + key);
        assertThat(verify(ssh(laterLine), commit).text()).endsWith("second-line:2)");
    }

    /** A commit signed with a new ed25519 {@code key}'s user certificate for {@code principal}, valid in 2026. */
    private static String certifiedCommit(Path ca, String key, String id, String principal, String message) {
        Path k = git.sshKey(key, "ed25519");
        git.sshCertificate(k, ca, id, principal, "20260101Z:20270101Z", false);
        return git.commitSshCertificate(k, message);
    }

    @Test
    void aCertificateSignedByATrustedCaIsTrustedForTheLinesPrincipals() throws Exception {
        Path ca = git.sshKey("team-ca", "ed25519");
        String commit = certifiedCommit(ca, "grace-laptop", "grace", "grace@example.org", "signed with a certificate");
        Path key = tmp.resolve("grace-laptop");
        String sha = commit.substring(0, 7);
        String keyText = "ED25519-CERT key " + git.fingerprint(key);
        String certText = "certificate \"grace\" serial 7 of CA key " + git.fingerprint(ca);
        Path signers = git.allowedSigners("ca-signers", "*@example.org cert-authority " + git.publicKey(ca));

        assertThat(verify(ssh(signers), commit)).isEqualTo(new Verdict.Trusted("grace@example.org (" + keyText + ", "
            + certText + ", ca-signers:1)"));

        // The CA trusted for other principals only, or the key listed as a plain key: not trusted.
        Path ops = git.allowedSigners("ca-ops", "ops@example.org,!grace@example.org cert-authority " + git.publicKey(ca));
        assertThat(verify(ssh(ops), commit).text()).isEqualTo("commit " + sha + " is signed with " + keyText + " ("
            + certText + "), not trusted for it: " + ops + ":1 trusts certificates of the CA for"
            + " ops@example.org,!grace@example.org, and the certificate is for grace@example.org");
        Path plain = git.allowedSigners("ca-plain", "grace@example.org " + git.publicKey(ca),
            "grace@example.org " + git.publicKey(key));
        assertThat(verify(ssh(plain), commit).text()).isEqualTo("commit " + sha + " is signed with " + keyText + " ("
            + certText + "), which is not in " + plain + " as a cert-authority (repo.verify.ssh-allowed-signers)");
    }

    @Test
    void aCertificateOutsideItsValidityOrForAHostIsRefused() throws Exception {
        Path ca = git.sshKey("ops-ca", "ecdsa", "-b", "256");
        Path signers = git.allowedSigners("ops-ca-signers", "grace@example.org cert-authority " + git.publicKey(ca));
        Path expired = git.sshKey("grace-old", "ed25519");
        git.sshCertificate(expired, ca, "grace-2025", "grace@example.org", "20250101Z:20250201Z", false);
        String old = git.commitSshCertificate(expired, "signed with an expired certificate"); // 2026-11-01
        assertThat(verify(ssh(signers), old).text()).endsWith(", not trusted for it: its certificate is expired at"
            + " 2025-02-01T00:00:00Z, and the commit is of " + git.committedAt(old));

        Path hostKey = git.sshKey("host-key", "rsa", "-b", "3072");
        git.sshCertificate(hostKey, ca, "app-1", "grace@example.org", "20260101Z:20270101Z", true);
        String byHost = git.commitSshCertificate(hostKey, "signed with a host certificate");
        assertThat(verify(ssh(signers), byHost).text()).endsWith(": its certificate is a host certificate, not a user's");
    }

    private static CommitVerifier ssh(Path allowedSigners, Path revokedKeys) throws TrustFileException {
        return CommitVerifier.open(new CommitVerifier.Policy(List.of(), Optional.of(allowedSigners),
            Optional.of(revokedKeys)));
    }

    @Test
    void keysAndCertificatesOfTheRevocationListAreRefused() throws Exception {
        // As ssh-keygen -Y verify -r refuses them (RevokedKeysTest compares with ssh-keygen -Q). git
        // 2.39's verify-commit, measured here, passes no -r to ssh-keygen and trusts both.
        Path ca = git.sshKey("krl-ca", "ed25519");
        String byCert = certifiedCommit(ca, "grace-tablet", "grace-tablet", "grace@example.org", "signed by a cert");
        Path tablet = tmp.resolve("grace-tablet");
        String byKey = git.commitSsh(ed25519, "signed by grace's key");
        Path signers = git.allowedSigners("krl-signers", "grace@example.org " + git.publicKey(ed25519),
            "*@example.org cert-authority " + git.publicKey(ca));
        Path spec = java.nio.file.Files.writeString(tmp.resolve("krl.spec"), "serial: 7\n");
        Path krl = tmp.resolve("revoked.krl");
        dev.driftless.reconciler.ExternalTool.run(List.of("ssh-keygen", "-q", "-k", "-f", krl.toString(), "-s", ca
            + ".pub", spec.toString()), tmp, java.util.Map.of(), java.time.Duration.ofSeconds(30));
        // The certificate (serial 7, SigningGit's) is revoked; grace's own key is not.
        assertThat(verify(ssh(signers, krl), byCert).text()).isEqualTo("commit " + byCert.substring(0, 7)
            + " is signed with ED25519-CERT key " + git.fingerprint(tablet) + " (certificate \"grace-tablet\" serial 7"
            + " of CA key " + git.fingerprint(ca) + "), which is revoked: " + krl + " revokes certificate serial 7 of"
            + " CA key " + git.fingerprint(ca) + " (repo.verify.ssh-revoked-keys)");
        assertThat(verify(ssh(signers, krl), byKey)).isInstanceOf(Verdict.Trusted.class);

        // A plain list of public keys revokes grace's key.
        Path list = java.nio.file.Files.writeString(tmp.resolve("revoked_keys"), git.publicKey(ed25519) + "\n");
        assertThat(verify(ssh(signers, list), byKey).text()).endsWith(", which is revoked: " + list + " revokes key "
            + git.fingerprint(ed25519) + " (repo.verify.ssh-revoked-keys)");

        // A revocation list that cannot be read refuses every commit (fail closed) and stops a start.
        java.nio.file.Files.delete(list);
        CommitVerifier opened = ssh(signers, krl);
        java.nio.file.Files.move(krl, tmp.resolve("moved.krl"));
        assertThat(verify(opened, byKey).text()).isEqualTo("commit " + byKey.substring(0, 7) + " cannot be checked:"
            + " repo.verify.ssh-revoked-keys " + krl + ": no such file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ssh(signers, list))
            .isInstanceOf(TrustFileException.class).hasMessageContaining(list + ": no such file");
    }

    @Test
    void aCertificatesCriticalOptionsThatASignatureCannotHonourVoidIt() throws Exception {
        Path ca = git.sshKey("options-ca", "ed25519");
        Path signers = git.allowedSigners("options-signers", "grace@example.org cert-authority " + git.publicKey(ca));
        // A login's restriction, one nobody knows, and verify-required (a PIN), which an ed25519 file key cannot give.
        for (String[] option : new String[][] {
                {"source-address=10.0.0.0/8", "its certificate carries the critical option source-address, which a"
                    + " signature cannot honour (only verify-required can be), so it is void here"},
                {"critical:deploy-window@example.org=weekdays", "its certificate carries the critical option"
                    + " deploy-window@example.org, which a signature cannot honour"},
                {"verify-required", "its certificate requires a user-verified security key (critical option"
                    + " verify-required), and this is not a security key's signature"}}) {
            Path k = git.sshKey("grace-" + Integer.toHexString(option[0].hashCode()), "ed25519");
            git.sshCertificate(k, ca, "grace", "grace@example.org", "20260101Z:20270101Z", false, option[0]);
            String commit = git.commitSshCertificate(k, "signed with a certificate carrying " + option[0]);
            assertThat(verify(ssh(signers), commit)).isInstanceOf(Verdict.Refused.class).extracting(Verdict::text)
                .asString().as(option[0]).contains(": " + option[1]);
        }
    }

    @Test
    void aCertificateWhosePrincipalsWereRewrittenIsRefused() throws Exception {
        Path ca = git.sshKey("rewrite-ca", "ed25519");
        String commit = certifiedCommit(ca, "mallory-laptop", "mallory", "mallory@example.org", "deploy as someone else");
        Path signers = git.allowedSigners("rewrite-signers", "admin@example.org cert-authority " + git.publicKey(ca));
        SignedCommit signed = SignedCommit.read(repository, ObjectId.fromString(commit));
        String armored = signed.signature().orElseThrow();
        assertThat(SshSignatures.verify(signed, armored, AllowedSigners.read(signers, java.time.ZoneOffset.UTC)))
            .isInstanceOf(Verdict.Refused.class);

        // The SSHSIG does not sign its own public key: only the CA's signature over the
        // certificate stops a principal rewritten inside it.
        byte[] blob = java.util.Base64.getMimeDecoder().decode(armored.strip()
            .replace(SshSignatures.ARMOR_BEGIN, "").replace("-----END SSH SIGNATURE-----", ""));
        String latin = new String(blob, java.nio.charset.StandardCharsets.ISO_8859_1)
            .replace("mallory@example.org", "admin@example.orgXY".substring(0, "mallory@example.org".length()));
        String forged = SshSignatures.ARMOR_BEGIN + "\n" + java.util.Base64.getMimeEncoder().encodeToString(
            latin.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) + "\n-----END SSH SIGNATURE-----\n";
        assertThat(SshSignatures.verify(signed, forged, AllowedSigners.read(signers, java.time.ZoneOffset.UTC)).text())
            .endsWith(": its certificate's signature by the CA does not verify (the certificate was altered after the"
                + " CA signed it)");
    }

    @Test
    void keyFilesAreReadAtEveryCheckSoRemovingAKeyCountsAtOnce() throws Exception {
        String commit = git.commitSsh(ed25519, "rotation");
        Path signers = git.allowedSigners("rotating", "grace@example.org " + git.publicKey(ed25519));
        CommitVerifier verifier = ssh(signers);
        assertThat(verify(verifier, commit)).isInstanceOf(Verdict.Trusted.class);
        git.allowedSigners("rotating", "mallory@example.org " + git.publicKey(stranger));
        assertThat(verify(verifier, commit)).isInstanceOf(Verdict.Refused.class);
        Files.delete(signers);
        assertThat(verify(verifier, commit).text()).isEqualTo("commit " + commit.substring(0, 7)
            + " cannot be checked: " + signers + ": cannot read the allowed signers file (NoSuchFileException)");
    }

    @Test
    void commitSignedWithATrustedOpenPgpKeyIsTrusted() throws Exception {
        String fp = git.pgpKey("Ada Lovelace <ada@example.org>", "ed25519", "sign", "never");
        Path keys = git.exportPublic("ada.asc", fp);
        String commit = git.file("services/api.yaml", "name: api\n").commitPgp(fp, "pgp signed");
        assertThat(verify(pgp(keys), commit)).isEqualTo(
            new Verdict.Trusted("Ada Lovelace <ada@example.org> (OpenPGP key " + fp + ")"));
    }

    @Test
    void signingSubkeyOfATrustedRsaKeyIsTrusted() throws Exception {
        String fp = git.pgpKey("Alan Turing <alan@example.org>", "rsa3072", "cert", "never");
        String sub = git.pgpSubkey(fp, "rsa3072", "sign");
        Path keys = git.exportPublic("alan.asc", fp);
        String commit = git.commitPgp(fp, "subkey signed");
        assertThat(verify(pgp(keys), commit)).isEqualTo(new Verdict.Trusted(
            "Alan Turing <alan@example.org> (OpenPGP key " + fp + " (subkey " + sub + "))"));
    }

    @Test
    void openPgpKeyNotTrustedIsRefused() throws Exception {
        String trusted = git.pgpKey("Trusted <trusted@example.org>", "ed25519", "sign", "never");
        String other = git.pgpKey("Other <other@example.org>", "ed25519", "sign", "never");
        Path keys = git.exportPublic("trusted.asc", trusted);
        String commit = git.commitPgp(other, "signed by another key");
        assertThat(verify(pgp(keys), commit).text()).isEqualTo("commit " + commit.substring(0, 7)
            + " is signed with OpenPGP key " + other + ", which is not among the trusted keys of"
            + " repo.verify.pgp-keys (" + keys + ")");
    }

    @Test
    void revokedOrExpiredOpenPgpKeyIsRefused() throws Exception {
        String fp = git.pgpKey("Revoked <revoked@example.org>", "ed25519", "sign", "never");
        String commit = git.commitPgp(fp, "signed before the revocation");
        git.revoke(fp);
        Path keys = git.exportPublic("revoked.asc", fp);
        assertThat(verify(pgp(keys), commit).text()).isEqualTo("commit " + commit.substring(0, 7)
            + " is signed by OpenPGP key " + fp + ", which is revoked");

        String old = git.pgpKey("Expired <expired@example.org>", "ed25519", "sign", "1y",
            "--faked-system-time", "20200101T000000");
        String oldCommit = git.commitPgp(old, "signed in 2020", "--faked-system-time", "20200601T000000");
        Path oldKeys = git.exportPublic("expired.asc", old);
        assertThat(verify(pgp(oldKeys), oldCommit).text()).startsWith("commit " + oldCommit.substring(0, 7)
            + " is signed by OpenPGP key " + old + ", which expired 2020-12-31");
    }

    @Test
    void aSignatureOfTheOtherKindIsRefusedWithWhatIsTrusted() throws Exception {
        String fp = git.pgpKey("Kind <kind@example.org>", "ed25519", "sign", "never");
        Path keys = git.exportPublic("kind.asc", fp);
        String sshSigned = git.commitSsh(ed25519, "ssh");
        assertThat(verify(pgp(keys), sshSigned).text()).endsWith("is signed with an SSH key, and repo.verify trusts"
            + " OpenPGP keys only (repo.verify.ssh-allowed-signers is not set)");
        String pgpSigned = git.commitPgp(fp, "pgp");
        assertThat(verify(ssh(graceTrusted()), pgpSigned).text()).endsWith("is signed with an OpenPGP key, and"
            + " repo.verify trusts SSH keys only (repo.verify.pgp-keys is not set)");
        CommitVerifier both = CommitVerifier.open(new CommitVerifier.Policy(List.of(keys), Optional.of(graceTrusted())));
        assertThat(verify(both, sshSigned)).isInstanceOf(Verdict.Trusted.class);
        assertThat(verify(both, pgpSigned)).isInstanceOf(Verdict.Trusted.class);
    }

    @Test
    void brokenTrustFilesStopTheStartNamingFileAndLine() throws Exception {
        Path missing = tmp.resolve("no-such.asc");
        assertThatThrownBy(() -> pgp(missing)).isInstanceOf(TrustFileException.class)
            .hasMessage(missing + ": cannot read the OpenPGP key file (NoSuchFileException)");
        Path notAKey = git.allowedSigners("not-a-key.asc", "hello");
        assertThatThrownBy(() -> pgp(notAKey)).isInstanceOf(TrustFileException.class)
            .hasMessageStartingWith(notAKey + ":");
        Path badType = git.allowedSigners("bad-type", "# comment", "grace@example.org ssh-foo AAAA");
        assertThatThrownBy(() -> ssh(badType)).hasMessageStartingWith(badType
            + ":2: \"ssh-foo\" is not an SSH key type");
        Path badOption = git.allowedSigners("bad-option", "grace@example.org valid-whenever=1 "
            + git.publicKey(ed25519));
        assertThatThrownBy(() -> ssh(badOption)).hasMessage(badOption + ":1: unknown option \"valid-whenever\""
            + " (known: cert-authority, namespaces, valid-after, valid-before)");
        Path badTime = git.allowedSigners("bad-time", "grace@example.org valid-after=2026 " + git.publicKey(ed25519));
        assertThatThrownBy(() -> ssh(badTime)).hasMessage(badTime + ":1: valid-after=\"2026\" is not a time: use"
            + " YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with a trailing Z for UTC");
        Path empty = git.allowedSigners("empty", "# nobody yet");
        assertThatThrownBy(() -> ssh(empty)).hasMessage(empty + ": the allowed signers file lists no key");
        String mismatched = git.publicKey(ed25519).replace("ssh-ed25519", "ssh-rsa");
        Path wrong = git.allowedSigners("wrong", "grace@example.org " + mismatched);
        assertThatThrownBy(() -> ssh(wrong)).hasMessage(wrong + ":1: the key's data is not a ssh-rsa key");
    }

    @Test
    void noPolicyTrustsEverything() {
        String commit = git.commitUnsigned("no policy");
        assertThat(CommitVerifier.NONE.enabled()).isFalse();
        assertThat(verify(CommitVerifier.NONE, commit)).isInstanceOf(Verdict.Unchecked.class);
    }
}
