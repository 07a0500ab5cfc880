package dev.driftless.secrets.age;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Encrypts and decrypts age v1 files in memory: X25519 recipients and identities, scrypt
 * passphrases, binary or ASCII-armored. Interoperates with the {@code age} CLI both ways.
 */
public final class Age {

    /** The work factor {@code age -p} uses (2^18 iterations, 256 MiB). */
    public static final int DEFAULT_SCRYPT_WORK_FACTOR = 18;
    /** Files asking for more are refused, as age does by default. */
    public static final int MAX_SCRYPT_WORK_FACTOR = 22;
    private static final String SCRYPT_LABEL = "age-encryption.org/v1/scrypt";

    private Age() {
    }

    /** Encrypts to X25519 recipients; the result is a binary age file. */
    public static byte[] encrypt(byte[] plaintext, Collection<AgeRecipient> recipients, SecureRandom random) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("at least one age recipient is required");
        }
        byte[] fileKey = new byte[AgeFormat.FILE_KEY_SIZE];
        random.nextBytes(fileKey);
        try {
            List<AgeStanza> stanzas = new ArrayList<>();
            for (AgeRecipient r : recipients) {
                stanzas.add(AgeIdentity.wrap(r, fileKey, random));
            }
            return assemble(fileKey, stanzas, plaintext, random);
        } finally {
            Arrays.fill(fileKey, (byte) 0);
        }
    }

    /** Encrypts to X25519 recipients with ASCII armor, as {@code age -a} and sops write. */
    public static String encryptArmored(byte[] plaintext, Collection<AgeRecipient> recipients, SecureRandom random) {
        return AgeFormat.armor(encrypt(plaintext, recipients, random));
    }

    /** Encrypts with a passphrase (one scrypt stanza), as {@code age -p} does. */
    public static byte[] encryptWithPassphrase(byte[] plaintext, char[] passphrase, int workFactor,
                                               SecureRandom random) {
        if (workFactor < 1 || workFactor > MAX_SCRYPT_WORK_FACTOR) {
            throw new IllegalArgumentException("scrypt work factor must be between 1 and " + MAX_SCRYPT_WORK_FACTOR);
        }
        byte[] fileKey = new byte[AgeFormat.FILE_KEY_SIZE];
        random.nextBytes(fileKey);
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] wrapKey = scryptKey(passphrase, salt, workFactor);
        try {
            byte[] body = AgeFormat.chachaSeal(wrapKey, new byte[12], fileKey);
            AgeStanza stanza = new AgeStanza("scrypt",
                List.of(AgeFormat.encodeRaw(salt), Integer.toString(workFactor)), body);
            return assemble(fileKey, List.of(stanza), plaintext, random);
        } finally {
            Arrays.fill(fileKey, (byte) 0);
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /** Decrypts a binary or armored file with the first identity that opens a stanza. */
    public static byte[] decrypt(byte[] file, Collection<AgeIdentity> identities) {
        byte[] binary = AgeFormat.isArmored(file) ? AgeFormat.dearmor(file) : file;
        AgeFormat.Header header = AgeFormat.parseHeader(binary);
        rejectMixedScrypt(header);
        for (AgeStanza stanza : header.stanzas()) {
            for (AgeIdentity identity : identities) {
                byte[] fileKey = identity.unwrap(stanza);
                if (fileKey != null) {
                    return open(binary, header, fileKey);
                }
            }
        }
        if (header.stanzas().stream().anyMatch(s -> s.type().equals("scrypt"))) {
            throw new AgeException(AgeException.Kind.NO_IDENTITY_MATCHED,
                "age file is passphrase-encrypted and needs a passphrase, not an identity");
        }
        throw new AgeException(AgeException.Kind.NO_IDENTITY_MATCHED, "no age identity matched any of the recipients");
    }

    /** Decrypts a passphrase-encrypted (scrypt) binary or armored file. */
    public static byte[] decryptWithPassphrase(byte[] file, char[] passphrase) {
        byte[] binary = AgeFormat.isArmored(file) ? AgeFormat.dearmor(file) : file;
        AgeFormat.Header header = AgeFormat.parseHeader(binary);
        rejectMixedScrypt(header);
        if (header.stanzas().size() != 1 || !header.stanzas().get(0).type().equals("scrypt")) {
            throw new AgeException(AgeException.Kind.NO_IDENTITY_MATCHED,
                "age file is not passphrase-encrypted (it has recipient stanzas)");
        }
        AgeStanza s = header.stanzas().get(0);
        if (s.args().size() != 2) {
            throw AgeFormat.malformed("invalid scrypt stanza");
        }
        byte[] salt = AgeFormat.decodeRaw(s.args().get(0));
        String wf = s.args().get(1);
        if (salt.length != 16 || !wf.matches("[1-9][0-9]?") || s.body().length != 32) {
            throw AgeFormat.malformed("invalid scrypt stanza");
        }
        int workFactor = Integer.parseInt(wf);
        if (workFactor > MAX_SCRYPT_WORK_FACTOR) {
            throw new AgeException(AgeException.Kind.UNSUPPORTED,
                "scrypt work factor " + workFactor + " is above the limit of " + MAX_SCRYPT_WORK_FACTOR);
        }
        byte[] wrapKey = scryptKey(passphrase, salt, workFactor);
        byte[] fileKey;
        try {
            fileKey = AgeFormat.chachaOpen(wrapKey, new byte[12], s.body());
        } catch (AgeException e) {
            throw new AgeException(AgeException.Kind.WRONG_PASSPHRASE, "incorrect passphrase");
        } finally {
            Arrays.fill(wrapKey, (byte) 0);
        }
        return open(binary, header, fileKey);
    }

    /** True when the bytes start like an age file, binary or armored. */
    public static boolean isAgeFile(byte[] content) {
        String head = new String(content, 0, Math.min(content.length, 64), StandardCharsets.US_ASCII);
        return head.startsWith(AgeFormat.VERSION_LINE + "\n") || AgeFormat.isArmored(content);
    }

    /** Wraps a binary age file in ASCII armor. */
    public static String armor(byte[] binary) {
        return AgeFormat.armor(binary);
    }

    private static void rejectMixedScrypt(AgeFormat.Header header) {
        boolean scrypt = header.stanzas().stream().anyMatch(s -> s.type().equals("scrypt"));
        if (scrypt && header.stanzas().size() != 1) {
            throw AgeFormat.malformed("an scrypt stanza must be the only stanza");
        }
    }

    private static byte[] open(byte[] binary, AgeFormat.Header header, byte[] fileKey) {
        try {
            if (fileKey.length != AgeFormat.FILE_KEY_SIZE) {
                throw AgeFormat.malformed("invalid file key size");
            }
            AgeFormat.verifyMac(fileKey, header);
            return AgeFormat.decryptPayload(fileKey, binary, header.payloadOffset());
        } finally {
            Arrays.fill(fileKey, (byte) 0);
        }
    }

    private static byte[] assemble(byte[] fileKey, List<AgeStanza> stanzas, byte[] plaintext, SecureRandom random) {
        byte[] header = AgeFormat.headerWithoutMac(stanzas);
        byte[] mac = AgeFormat.headerMac(fileKey, header);
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + 64 + plaintext.length + 64);
        out.writeBytes(header);
        out.writeBytes((" " + AgeFormat.encodeRaw(mac) + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(AgeFormat.encryptPayload(fileKey, plaintext, random));
        return out.toByteArray();
    }

    private static byte[] scryptKey(char[] passphrase, byte[] salt, int workFactor) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] pass = new byte[encoded.remaining()];
        encoded.get(pass);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        byte[] label = SCRYPT_LABEL.getBytes(StandardCharsets.US_ASCII);
        try {
            return SCrypt.generate(pass, AgeFormat.concat(label, salt), 1 << workFactor, 8, 1, 32);
        } finally {
            Arrays.fill(pass, (byte) 0);
        }
    }
}
