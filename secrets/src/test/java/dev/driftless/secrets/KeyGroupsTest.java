package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.age.Age;
import dev.driftless.secrets.age.AgeIdentity;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import dev.driftless.secrets.pgp.PgpRecipient;
import dev.driftless.secrets.shamir.Shamir;
import dev.driftless.secrets.testing.ExternalTool;
import dev.driftless.secrets.testing.Gpg;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shamir key groups (2 of 3: two age groups and a PGP group made with GnuPG), and the data-key
 * layers of our files opened by the real age and gpg.
 */
class KeyGroupsTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PLAIN = "db:\n    password: s3cret\n    port: 5432\n";

    @TempDir
    static Path dir;

    private static Gpg gpg;
    private static String fingerprint;
    private static PgpRecipient pgpRecipient;
    private static Path pgpSecretFile;
    private static final AgeIdentity ONE = AgeIdentity.generate(RANDOM);
    private static final AgeIdentity TWO = AgeIdentity.generate(RANDOM);

    @BeforeAll
    static void makePgpKey() throws Exception {
        Path home = Files.createDirectory(dir.resolve("gnupg"));
        gpg = new Gpg(home);
        fingerprint = gpg.generate("Group Three <three@driftless.test>", "ed25519", "cv25519", "");
        pgpRecipient = PgpPublicKeys.read(gpg.exportPublic(fingerprint, true), "three.asc").find(fingerprint).orElseThrow();
        pgpSecretFile = dir.resolve("three-secret.asc");
        Files.write(pgpSecretFile, gpg.exportSecret(fingerprint, ""));
    }

    @AfterAll
    static void stopAgent() {
        gpg.close();
    }

    private static byte[] twoOfThree() {
        return Sops.encryptor()
            .keyGroup(new RecipientGroup(List.of(ONE.recipient().toString()), List.of()))
            .keyGroup(new RecipientGroup(List.of(TWO.recipient().toString()), List.of()))
            .keyGroup(new RecipientGroup(List.of(), List.of(pgpRecipient)))
            .shamirThreshold(2)
            .build().encrypt("groups.yaml", PLAIN.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyRing ring(boolean one, boolean two, boolean three) {
        KeyRing.Builder b = KeyRing.builder();
        if (one) {
            b.ageIdentity(ONE.encode());
        }
        if (two) {
            b.ageIdentity(TWO.encode());
        }
        if (three) {
            b.pgpSecretKeyFile(pgpSecretFile);
        }
        return b.build();
    }

    @Test
    void keysForAnyTwoOfThreeGroupsDecrypt() {
        byte[] file = twoOfThree();
        for (KeyRing r : List.of(ring(true, true, false), ring(true, false, true), ring(false, true, true),
            ring(true, true, true))) {
            assertThat(Sops.decrypt("groups.yaml", file, r).render()).isEqualTo(PLAIN);
        }
    }

    @Test
    void aKeyForOneGroupIsNotEnough() {
        byte[] file = twoOfThree();
        assertThatThrownBy(() -> Sops.decrypt("groups.yaml", file, ring(false, true, false)))
            .isInstanceOfSatisfying(SopsException.class,
                e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.NO_MATCHING_KEY))
            .hasMessageContaining("the file needs keys for 2 of 3 key groups and only group(s) [2] could be opened")
            .hasMessageContaining("group 1: age " + ONE.recipient())
            .hasMessageContaining("group 3: PGP " + fingerprint)
            .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Sops.decrypt("groups.yaml", file, ring(false, false, true)))
            .hasMessageContaining("only group(s) [3] could be opened");
    }

    @Test
    void groupsAreWrittenAsSopsKeyGroupsWithTheThreshold() {
        String text = new String(twoOfThree(), StandardCharsets.UTF_8);
        String sops = text.substring(text.indexOf("\nsops:\n"));
        assertThat(sops).startsWith("\nsops:\n    shamir_threshold: 2\n    key_groups:\n        - age:\n");
        assertThat(sops).contains("        - pgp:\n            - created_at: \"")
            .contains("              fp: " + fingerprint + "\n")
            .doesNotContain("\n    age:").doesNotContain("\n    pgp:");
        SopsMetadata meta = Sops.metadata("groups.yaml", text.getBytes(StandardCharsets.UTF_8), Format.YAML);
        assertThat(meta.keyGroups()).hasSize(3);
        assertThat(meta.requiredGroups()).isEqualTo(2);
    }

    @Test
    void theSharesInsideTheGroupsCombineWithAnyPartner() {
        String text = new String(twoOfThree(), StandardCharsets.UTF_8);
        List<String> ageEncs = armored(text, "AGE ENCRYPTED FILE");
        byte[] s1 = Age.decrypt(ageEncs.get(0).getBytes(StandardCharsets.US_ASCII), List.of(ONE));
        byte[] s2 = Age.decrypt(ageEncs.get(1).getBytes(StandardCharsets.US_ASCII), List.of(TWO));
        byte[] s3 = gpg.run(armored(text, "PGP MESSAGE").get(0).getBytes(StandardCharsets.US_ASCII), "--decrypt")
            .assertOk().stdout();
        assertThat(List.of(s1, s2, s3)).allSatisfy(s -> assertThat(s).hasSize(33));
        byte[] key = Shamir.combine(List.of(s1, s2));
        assertThat(Shamir.combine(List.of(s1, s3))).isEqualTo(key);
        assertThat(Shamir.combine(List.of(s2, s3))).isEqualTo(key);
        assertThat(key).hasSize(32);
    }

    @Test
    void theDataKeyOfOurFilesOpensWithTheRealAgeAndGpg() throws Exception {
        Path ageKeyFile = dir.resolve("one.txt");
        Files.writeString(ageKeyFile, "# test key\n" + ONE.encode() + "\n");
        byte[] file = Sops.encryptor().ageRecipient(ONE.recipient().toString()).pgpRecipient(pgpRecipient).build()
            .encrypt("both.yaml", PLAIN.getBytes(StandardCharsets.UTF_8));
        String text = new String(file, StandardCharsets.UTF_8);
        String ageEnc = armored(text, "AGE ENCRYPTED FILE").get(0);
        String pgpEnc = armored(text, "PGP MESSAGE").get(0);
        byte[] viaAge = ExternalTool.run(List.of("age", "-d", "-i", ageKeyFile.toString()),
            ageEnc.getBytes(StandardCharsets.US_ASCII)).assertOk().stdout();
        byte[] viaGpg = gpg.run(pgpEnc.getBytes(StandardCharsets.US_ASCII), "--decrypt").assertOk().stdout();
        assertThat(viaAge).hasSize(32).isEqualTo(viaGpg);
        // and either key alone decrypts the file
        assertThat(Sops.decrypt("both.yaml", file, ring(true, false, false)).render()).isEqualTo(PLAIN);
        assertThat(Sops.decrypt("both.yaml", file, ring(false, false, true)).render()).isEqualTo(PLAIN);
    }

    @Test
    void aThresholdNeedsSeveralGroups() {
        assertThatThrownBy(() -> Sops.encryptor().ageRecipient(ONE.recipient().toString()).shamirThreshold(2).build())
            .hasMessage("a Shamir threshold needs at least two key groups");
        assertThatThrownBy(() -> Sops.encryptor()
            .keyGroup(new RecipientGroup(List.of(ONE.recipient().toString()), List.of()))
            .keyGroup(new RecipientGroup(List.of(TWO.recipient().toString()), List.of()))
            .shamirThreshold(3).build())
            .hasMessageContaining("between 2 and the number of key groups (2)");
    }

    /** The armored blocks of a YAML file, indentation removed. */
    private static List<String> armored(String yaml, String type) {
        Matcher m = Pattern.compile("-----BEGIN " + type + "-----\\n.*?-----END " + type + "-----", Pattern.DOTALL)
            .matcher(yaml);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group().lines().map(String::strip).reduce((a, b) -> a + "\n" + b).orElseThrow() + "\n");
        }
        return out;
    }
}
