package dev.driftless.reconciler.source.verify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Benchmark (not a test; run by {@code scripts/bench-verify.sh}): what checking a commit's
 * signature costs the daemon, per new commit, for each kind of key, with trust files the size of
 * a team's (an allowed signers file of 50 keys, an OpenPGP key file of 5 keys). Commits are
 * signed by the real git with the real ssh-keygen and gpg. Prints a markdown table: the first
 * check in a fresh JVM (what a daemon pays for its first commit), then the median and 90th
 * percentile over {@code runs} checks after a warm-up.
 */
public final class VerifyBenchmark {

    private VerifyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path dir = Files.createTempDirectory("driftless-bench-verify");
        try (SigningGit git = SigningGit.init(dir);
             Repository repo = new FileRepositoryBuilder().setGitDir(git.repo().resolve(".git").toFile()).build()) {
            List<String> signers = new ArrayList<>(List.of("# a team's signing keys"));
            Map<String, String> commits = new LinkedHashMap<>();
            for (String[] kind : new String[][] {{"ed25519"}, {"ecdsa", "-b", "256"}, {"rsa", "-b", "3072"}}) {
                Path key = git.sshKey("key-" + kind[0], kind[0], Arrays.copyOfRange(kind, 1, kind.length));
                signers.add(kind[0] + "@example.org " + git.publicKey(key));
                git.file("hosts.yaml", "hosts: {} # " + kind[0] + "\n");
                commits.put("SSH " + kind[0] + (kind.length > 1 ? " " + kind[2] : ""), git.commitSsh(key, kind[0]));
            }
            for (int i = 0; i < 47; i++) {
                signers.add("member" + i + "@example.org " + git.publicKey(git.sshKey("member" + i, "ed25519")));
            }
            Path allowed = git.allowedSigners("allowed_signers", signers.toArray(String[]::new));
            List<String> pgp = new ArrayList<>();
            pgp.add(git.pgpKey("Ed <ed@example.org>", "ed25519", "sign", "never"));
            pgp.add(git.pgpKey("Rsa <rsa@example.org>", "rsa3072", "cert", "never"));
            git.pgpSubkey(pgp.get(1), "rsa3072", "sign");
            for (int i = 0; i < 3; i++) {
                pgp.add(git.pgpKey("Member " + i + " <pgp" + i + "@example.org>", "ed25519", "sign", "never"));
            }
            Path keys = git.exportPublic("team.asc", pgp.toArray(String[]::new));
            git.file("hosts.yaml", "hosts: {} # pgp\n");
            commits.put("OpenPGP ed25519", git.commitPgp(pgp.get(0), "pgp ed25519"));
            git.file("hosts.yaml", "hosts: {} # pgp rsa\n");
            commits.put("OpenPGP rsa3072 (subkey)", git.commitPgp(pgp.get(1), "pgp rsa"));

            CommitVerifier verifier = CommitVerifier.open(new CommitVerifier.Policy(List.of(keys), Optional.of(allowed)));
            Instant now = Instant.now();
            System.out.println("| signature | first check in a fresh JVM | median | p90 |");
            System.out.println("|---|---|---|---|");
            for (var e : commits.entrySet()) {
                ObjectId id = ObjectId.fromString(e.getValue());
                long t0 = System.nanoTime();
                Verdict first = verifier.verify(repo, id, now);
                long cold = System.nanoTime() - t0;
                if (!(first instanceof Verdict.Trusted)) {
                    throw new IllegalStateException(e.getKey() + ": " + first.text());
                }
                for (int i = 0; i < Math.max(50, runs / 5); i++) {
                    verifier.verify(repo, id, now);
                }
                long[] times = new long[runs];
                for (int i = 0; i < runs; i++) {
                    long s = System.nanoTime();
                    verifier.verify(repo, id, now);
                    times[i] = System.nanoTime() - s;
                }
                Arrays.sort(times);
                System.out.printf("| %s | %.1f ms | %.2f ms | %.2f ms |%n", e.getKey(), cold / 1e6,
                    times[runs / 2] / 1e6, times[(int) (runs * 0.9)] / 1e6);
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
