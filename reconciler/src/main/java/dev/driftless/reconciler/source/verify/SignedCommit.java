package dev.driftless.reconciler.source.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * A commit as its signer signed it: the raw commit object without its {@code gpgsig} header (what
 * {@code git commit -S} hands to gpg or ssh-keygen), and that header's value, the armored
 * signature. The committer time is the moment git verifies an SSH signature at.
 *
 * @param shortSha    the first 7 hex digits, for messages
 * @param payload     the signed bytes
 * @param signature   the armored signature (OpenPGP or SSH), empty when the commit is not signed
 * @param committedAt committer time
 */
record SignedCommit(String shortSha, byte[] payload, Optional<String> signature, Instant committedAt) {

    private static final byte[] GPGSIG = "gpgsig ".getBytes(StandardCharsets.US_ASCII);

    static SignedCommit read(Repository repository, ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            walk.setRetainBody(true);
            RevCommit commit = walk.parseCommit(id);
            return of(commit.name().substring(0, 7), commit.getRawBuffer(),
                commit.getCommitterIdent().getWhenAsInstant());
        }
    }

    /**
     * Splits a raw commit object into payload and signature, as git does before verifying: the
     * header lines are read up to the blank line that ends them; the {@code gpgsig} line and its
     * continuation lines (each starting with a space) are the signature, everything else the payload.
     */
    static SignedCommit of(String shortSha, byte[] raw, Instant committedAt) {
        int pos = 0;
        while (pos < raw.length && raw[pos] != '\n') {
            int lineEnd = lineEnd(raw, pos);
            if (startsWith(raw, pos, GPGSIG)) {
                int end = lineEnd;
                while (end < raw.length && raw[end] == ' ') {
                    end = lineEnd(raw, end);
                }
                String value = new String(raw, pos + GPGSIG.length, end - pos - GPGSIG.length, StandardCharsets.UTF_8);
                byte[] payload = new byte[raw.length - (end - pos)];
                System.arraycopy(raw, 0, payload, 0, pos);
                System.arraycopy(raw, end, payload, pos, raw.length - end);
                return new SignedCommit(shortSha, payload,
                    Optional.of(value.replace("\n ", "\n").stripTrailing()), committedAt);
            }
            pos = lineEnd;
        }
        return new SignedCommit(shortSha, raw, Optional.empty(), committedAt);
    }

    /** The index just after the LF that ends the line at {@code pos} (or the end of the buffer). */
    private static int lineEnd(byte[] raw, int pos) {
        int i = pos;
        while (i < raw.length && raw[i] != '\n') {
            i++;
        }
        return Math.min(i + 1, raw.length);
    }

    private static boolean startsWith(byte[] raw, int pos, byte[] prefix) {
        if (raw.length - pos < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (raw[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
