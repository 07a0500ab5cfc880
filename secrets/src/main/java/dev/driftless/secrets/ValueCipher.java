package dev.driftless.secrets;

import dev.driftless.secrets.format.GoFormat;
import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.BytesValue;
import dev.driftless.secrets.tree.CommentNode;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.Node;
import dev.driftless.secrets.tree.Scalar;
import dev.driftless.secrets.tree.TextValue;
import dev.driftless.secrets.tree.TimeValue;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One value's encryption as sops does it: AES-256-GCM under the data key with a 32-byte IV, the
 * value's path as additional data, written as {@code ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]}.
 */
final class ValueCipher {

    private static final Pattern ENC = Pattern.compile("^ENC\\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\\]");
    private static final int IV_SIZE = 32;
    private static final int TAG_SIZE = 16;

    /** Why a value could not be decrypted. */
    enum Failure { MALFORMED, AUTHENTICATION, BAD_PLAINTEXT }

    /** A value that did not decrypt, with the reason; carries no content. */
    static final class DecryptionFailure extends Exception {
        final Failure failure;
        final String detail;

        DecryptionFailure(Failure failure, String detail) {
            super(detail, null, false, false);
            this.failure = failure;
            this.detail = detail;
        }
    }

    private ValueCipher() {
    }

    /** Encrypts a scalar or comment; empty strings and comments stay empty, as in sops. */
    static String encrypt(Node value, byte[] key, String aad, SecureRandom random) {
        String type;
        byte[] plain;
        switch (value) {
            case CommentNode c -> {
                type = "comment";
                plain = c.text().getBytes(StandardCharsets.UTF_8);
            }
            case TextValue t -> {
                type = "str";
                plain = t.value().getBytes(StandardCharsets.UTF_8);
            }
            case BytesValue b -> {
                type = "str"; // sops walks []byte as a string
                plain = b.value();
            }
            case Scalar s -> {
                type = typeName(s);
                plain = toBytes(s);
            }
            default -> throw new IllegalArgumentException("only scalars and comments are encrypted");
        }
        if (plain.length == 0 && (value instanceof TextValue || value instanceof CommentNode
            || value instanceof BytesValue)) {
            return "";
        }
        byte[] iv = new byte[IV_SIZE];
        random.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_SIZE * 8, iv));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] out = c.doFinal(plain);
            Base64.Encoder b64 = Base64.getEncoder();
            return "ENC[AES256_GCM,data:" + b64.encodeToString(Arrays.copyOf(out, out.length - TAG_SIZE))
                + ",iv:" + b64.encodeToString(iv)
                + ",tag:" + b64.encodeToString(Arrays.copyOfRange(out, out.length - TAG_SIZE, out.length))
                + ",type:" + type + "]";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Decrypts an ENC[…] string into its typed value (or a comment); "" decrypts to "". */
    static Node decrypt(String enc, byte[] key, String aad) throws DecryptionFailure {
        if (enc.isEmpty()) {
            return new TextValue("");
        }
        Matcher m = ENC.matcher(enc);
        if (!m.find()) {
            throw new DecryptionFailure(Failure.MALFORMED, "is not an ENC[AES256_GCM,...] value");
        }
        byte[] data;
        byte[] iv;
        byte[] tag;
        try {
            Base64.Decoder d = Base64.getDecoder();
            data = d.decode(m.group(1));
            iv = d.decode(m.group(2));
            tag = d.decode(m.group(3));
        } catch (IllegalArgumentException e) {
            throw new DecryptionFailure(Failure.MALFORMED, "has invalid base64 in its ENC[...] string");
        }
        if (iv.length == 0 || tag.length != TAG_SIZE) {
            throw new DecryptionFailure(Failure.MALFORMED, "has an ENC[...] string with a bad iv or tag length");
        }
        String type = m.group(4);
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_SIZE * 8, iv));
            c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] both = Arrays.copyOf(data, data.length + TAG_SIZE);
            System.arraycopy(tag, 0, both, data.length, TAG_SIZE);
            plain = c.doFinal(both);
        } catch (AEADBadTagException e) {
            throw new DecryptionFailure(Failure.AUTHENTICATION, "failed authentication");
        } catch (GeneralSecurityException e) {
            throw new DecryptionFailure(Failure.MALFORMED, "could not be decrypted (" + e.getClass().getSimpleName() + ")");
        }
        try {
            return typed(plain, type);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static Node typed(byte[] plain, String type) throws DecryptionFailure {
        String text = new String(plain, StandardCharsets.UTF_8);
        switch (type) {
            case "str" -> {
                return validUtf8(plain) ? new TextValue(text) : new BytesValue(plain);
            }
            case "int", "int64" -> {
                OptionalLong l = GoFormat.parseInt(text);
                if (l.isEmpty()) {
                    throw new DecryptionFailure(Failure.BAD_PLAINTEXT, "has type " + type + " but its plaintext is not an integer");
                }
                return new IntValue(l.getAsLong());
            }
            case "float" -> {
                OptionalDouble d = GoFormat.parseFloat(text);
                if (d.isEmpty()) {
                    throw new DecryptionFailure(Failure.BAD_PLAINTEXT, "has type float but its plaintext is not a number");
                }
                return new FloatValue(d.getAsDouble());
            }
            case "bool" -> {
                return new BoolValue(GoFormat.parseBool(text).orElseThrow(() ->
                    new DecryptionFailure(Failure.BAD_PLAINTEXT, "has type bool but its plaintext is not a boolean")));
            }
            case "bytes" -> {
                return new BytesValue(plain);
            }
            case "time" -> {
                return new TimeValue(GoFormat.parseTime(text).orElseThrow(() ->
                    new DecryptionFailure(Failure.BAD_PLAINTEXT, "has type time but its plaintext is not an RFC 3339 time")));
            }
            case "comment" -> {
                return new CommentNode(text);
            }
            default -> throw new DecryptionFailure(Failure.MALFORMED, "has unknown type " + type);
        }
    }

    /** sops's ToBytes: what the MAC covers for a value. */
    static byte[] toBytes(Scalar s) {
        return switch (s) {
            case TextValue t -> t.value().getBytes(StandardCharsets.UTF_8);
            case IntValue i -> Long.toString(i.value()).getBytes(StandardCharsets.US_ASCII);
            case FloatValue f -> GoFormat.formatFloatF(f.value()).getBytes(StandardCharsets.US_ASCII);
            case BoolValue b -> (b.value() ? "True" : "False").getBytes(StandardCharsets.US_ASCII);
            case BytesValue b -> b.value();
            case TimeValue t -> GoFormat.formatTime(t.value()).getBytes(StandardCharsets.US_ASCII);
        };
    }

    static String typeName(Scalar s) {
        return switch (s) {
            case TextValue t -> "str";
            case IntValue i -> "int";
            case FloatValue f -> "float";
            case BoolValue b -> "bool";
            case BytesValue b -> "bytes";
            case TimeValue t -> "time";
        };
    }

    private static boolean validUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
