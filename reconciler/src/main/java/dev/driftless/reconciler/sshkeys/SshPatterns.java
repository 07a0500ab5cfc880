package dev.driftless.reconciler.sshkeys;

/**
 * OpenSSH's wildcard patterns, as known_hosts host patterns, certificate principals and allowed
 * signers principals use them.
 */
public final class SshPatterns {

    private SshPatterns() {
    }

    /**
     * Whether {@code text} matches {@code pattern}, where {@code *} matches any run of characters
     * and {@code ?} exactly one. Backtracks only to the last {@code *}, so it takes time linear in
     * the product of the lengths whatever the pattern: a pattern can come from a host (a
     * certificate's principal) and must not be able to stall the daemon.
     */
    public static boolean glob(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
