package dev.driftless.secrets;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which values of a file are encrypted, as sops's metadata records it. At most one rule per
 * file; without one, keys ending in {@code _unencrypted} stay in clear text.
 */
public sealed interface EncryptionRule {

    /** The rule sops applies when the file names none. */
    EncryptionRule DEFAULT = new UnencryptedSuffix("_unencrypted");

    /** The metadata key, e.g. {@code encrypted_regex}. */
    String metadataKey();

    /** The suffix or regular expression. */
    String value();

    /** Builds the rule recorded under a metadata key. */
    static EncryptionRule of(String metadataKey, String value) {
        return switch (metadataKey) {
            case "unencrypted_suffix" -> new UnencryptedSuffix(value);
            case "encrypted_suffix" -> new EncryptedSuffix(value);
            case "unencrypted_regex" -> new UnencryptedRegex(value);
            case "encrypted_regex" -> new EncryptedRegex(value);
            case "unencrypted_comment_regex" -> new UnencryptedCommentRegex(value);
            case "encrypted_comment_regex" -> new EncryptedCommentRegex(value);
            default -> throw new IllegalArgumentException("unknown encryption rule " + metadataKey);
        };
    }

    /** Values under a key ending in the suffix stay clear. */
    record UnencryptedSuffix(String value) implements EncryptionRule {
        public String metadataKey() {
            return "unencrypted_suffix";
        }
    }

    /** Only values under a key ending in the suffix are encrypted. */
    record EncryptedSuffix(String value) implements EncryptionRule {
        public String metadataKey() {
            return "encrypted_suffix";
        }
    }

    /** Values under a key matching the regex stay clear. */
    record UnencryptedRegex(String value) implements EncryptionRule {
        public UnencryptedRegex {
            compile(value);
        }

        public String metadataKey() {
            return "unencrypted_regex";
        }
    }

    /** Only values under a key matching the regex are encrypted. */
    record EncryptedRegex(String value) implements EncryptionRule {
        public EncryptedRegex {
            compile(value);
        }

        public String metadataKey() {
            return "encrypted_regex";
        }
    }

    /** Values after a comment matching the regex stay clear. */
    record UnencryptedCommentRegex(String value) implements EncryptionRule {
        public UnencryptedCommentRegex {
            compile(value);
        }

        public String metadataKey() {
            return "unencrypted_comment_regex";
        }
    }

    /** Only values after a comment matching the regex are encrypted. */
    record EncryptedCommentRegex(String value) implements EncryptionRule {
        public EncryptedCommentRegex {
            compile(value);
        }

        public String metadataKey() {
            return "encrypted_comment_regex";
        }
    }

    /** Compiles a rule's regex (Go RE2 syntax, which Java's shares for what rules use). */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression: " + e.getDescription());
        }
    }
}
