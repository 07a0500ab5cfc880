package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.age.AgeIdentity;
import dev.driftless.secrets.pgp.PgpPublicKeys;
import dev.driftless.secrets.pgp.PgpRecipient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changing files the real sops wrote (test resources interop/sops): a value set under the same
 * data key, the data key rotated with recipients added and removed.
 */
class SopsEditTest {

    static final String KEEP = "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4";
    static final String DROP = "D7229043384BCC60326C6FB9D8720D957C3D3074";

    @TempDir
    static Path dir;

    private static KeyRing bothKeys;
    private static KeyRing keepOnly;
    private static KeyRing dropOnly;
    private static Function<String, Optional<PgpRecipient>> publicKeys;

    @BeforeAll
    static void loadKeys() throws IOException {
        Path all = dir.resolve("sops_functional_tests_key.asc");
        Files.write(all, resource("sops/sops_functional_tests_key.asc"));
        bothKeys = KeyRing.builder().pgpSecretKeyFile(all).build();
        Matcher m = Pattern.compile("-----BEGIN PGP PRIVATE KEY BLOCK-----.*?-----END PGP PRIVATE KEY BLOCK-----",
            Pattern.DOTALL).matcher(Files.readString(all));
        KeyRing first = null;
        KeyRing second = null;
        for (int i = 0; m.find(); i++) {
            Path p = dir.resolve("secret-" + i + ".asc");
            Files.writeString(p, m.group() + "\n");
            KeyRing ring = KeyRing.builder().pgpSecretKeyFile(p).build();
            if (ring.pgpFingerprints().contains(KEEP)) {
                first = ring;
            } else {
                second = ring;
            }
        }
        keepOnly = first;
        dropOnly = second;
        // The public halves of the secret key file serve as the public keys.
        PgpPublicKeys keys = PgpPublicKeys.read(Files.readAllBytes(all), all.toString());
        publicKeys = keys::find;
    }

    @Test
    void aValueSetKeepsTheDataKeyAndItsRecipientsAndEveryOtherValue() throws IOException {
        byte[] original = resource("sops/example.yaml");
        byte[] changed = Sops.set("example.yaml", original, bothKeys, Format.YAML, List.of("app2", "db", "password"),
            ValueType.STR, "n3w p4ss: 'quoted' # not a comment");
        DecryptedDocument before = Sops.decrypt("example.yaml", original, bothKeys);
        DecryptedDocument after = Sops.decrypt("example.yaml", changed, keepOnly);
        assertThat(after.lookup(List.of("app2", "db", "password")).orElseThrow().reveal())
            .isEqualTo("n3w p4ss: 'quoted' # not a comment");
        assertThat(Sops.decrypt("example.yaml", changed, dropOnly).values()).hasSameSizeAs(before.values());
        // Only that line of the plaintext differs: comments, order, types and the clear-text parts stay.
        assertThat(after.render()).isEqualTo(before.render().replace("password: c4r1b0u",
            "password: 'n3w p4ss: ''quoted'' # not a comment'"));
        // The same data key, still encrypted to the same keys: its entries are untouched.
        assertThat(pgpEntries(changed)).isEqualTo(pgpEntries(original));
        assertThat(new String(changed, StandardCharsets.UTF_8)).doesNotContain("n3w p4ss").doesNotContain("c4r1b0u");
        assertThat(after.metadata().lastModified()).isNotEqualTo(before.metadata().lastModified());
    }

    @Test
    void missingKeysAreAddedAndListItemsReplacedWithTheirType() throws IOException {
        byte[] file = resource("sops/example.yaml");
        file = Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("app3", "db", "port"), ValueType.INT, "5432");
        file = Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("an_array", "1"), ValueType.STR, "second");
        file = Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("somebooleans", "0"), ValueType.BOOL, "false");
        DecryptedDocument doc = Sops.decrypt("example.yaml", file, bothKeys);
        assertThat(doc.lookup(List.of("app3", "db", "port")).orElseThrow().type()).isEqualTo(ValueType.INT);
        assertThat(doc.lookup(List.of("app3", "db", "port")).orElseThrow().reveal()).isEqualTo("5432");
        assertThat(doc.lookup(List.of("an_array", "1")).orElseThrow().reveal()).isEqualTo("second");
        assertThat(doc.lookup(List.of("an_array", "3")).orElseThrow().reveal()).isEqualTo("some other value");
        assertThat(doc.lookup(List.of("somebooleans", "0")).orElseThrow().reveal()).isEqualTo("false");
        assertThat(doc.render()).endsWith("app3:\n    db:\n        port: 5432\n");
        // A clear-text key stays clear, and is still covered by the MAC.
        file = Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("note_unencrypted"), ValueType.STR, "hello");
        assertThat(new String(file, StandardCharsets.UTF_8)).contains("note_unencrypted: hello");
        assertThat(Sops.decrypt("example.yaml", file, bothKeys).lookup(List.of("note_unencrypted"))).isPresent();
        // JSON, from sops 3.5.0.
        byte[] json = Sops.set("example.json", resource("sops/example.json"), bothKeys, Format.JSON,
            List.of("address", "city"), ValueType.STR, "Boston");
        assertThat(Sops.decrypt("example.json", json, keepOnly).lookup(List.of("address", "city")).orElseThrow().reveal())
            .isEqualTo("Boston");
    }

    @Test
    void aReplacedPlaintextIsSavedUnderTheSameDataKeyButNeverWithSopsMetadataInIt() throws IOException {
        byte[] original = resource("sops/example.json");
        String plain = Sops.decrypt("example.json", original, bothKeys).render().replace("\"John\"", "\"Jane\"");
        byte[] saved = Sops.replace("example.json", original, bothKeys, Format.JSON, plain.getBytes(StandardCharsets.UTF_8));
        DecryptedDocument doc = Sops.decrypt("example.json", saved, dropOnly);
        assertThat(doc.lookup(List.of("firstName")).orElseThrow().reveal()).isEqualTo("Jane");
        assertThat(doc.render()).isEqualTo(plain);
        assertThatThrownBy(() -> Sops.replace("example.json", original, bothKeys, Format.JSON,
            "{\"a\": 1, \"sops\": {}}".getBytes(StandardCharsets.UTF_8))).isInstanceOf(SopsException.class)
            .extracting(e -> ((SopsException) e).reason()).isEqualTo(SopsException.Reason.ALREADY_ENCRYPTED);
    }

    @Test
    void aDotenvFileGetsANewVariableAndKeepsItsMetadataLines() {
        AgeIdentity age = AgeIdentity.generate(new SecureRandom());
        KeyRing ring = KeyRing.builder().ageIdentity(age.encode()).build();
        byte[] file = Sops.encryptor().ageRecipient(age.recipient().toString()).build().encrypt("app.env",
            "# the app\nDB_USER=shop\nDB_PASSWORD=old\n".getBytes(StandardCharsets.UTF_8));
        file = Sops.set("app.env", file, ring, Format.DOTENV, List.of("DB_PASSWORD"), ValueType.STR, "new one");
        file = Sops.set("app.env", file, ring, Format.DOTENV, List.of("API_TOKEN"), ValueType.STR, "t0k3n");
        assertThat(new String(file, StandardCharsets.UTF_8)).contains("sops_version=").doesNotContain("new one");
        assertThat(Sops.decrypt("app.env", file, ring).render())
            .isEqualTo("# the app\nDB_USER=shop\nDB_PASSWORD=new one\nAPI_TOKEN=t0k3n\n");
    }

    @Test
    void aValueWithNoPlaceOrOfTheWrongTypeIsRefusedNamingThePathNeverTheValue() throws IOException {
        byte[] file = resource("sops/example.yaml");
        assertThatThrownBy(() -> Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("myapp1", "x"),
            ValueType.STR, "v")).isInstanceOf(SopsException.class)
            .hasMessage("example.yaml: [\"myapp1\"] is a value, not a map or list: [\"myapp1\"][\"x\"] cannot be set");
        assertThatThrownBy(() -> Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("an_array", "4"),
            ValueType.STR, "v"))
            .hasMessage("example.yaml: [\"an_array\"] is a list of 4 items: there is no item 4 to set");
        assertThatThrownBy(() -> Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("app2", "db"),
            ValueType.STR, "v")).hasMessage("example.yaml: [\"app2\"][\"db\"] is a map; set its values one by one");
        assertThatThrownBy(() -> Sops.set("example.yaml", file, bothKeys, Format.YAML, List.of("port"),
            ValueType.INT, "hunter2")).hasMessage("example.yaml: the value is not a int")
            .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Sops.set("example.yaml", file, KeyRing.builder().build(), Format.YAML,
            List.of("myapp1"), ValueType.STR, "v")).isInstanceOf(SopsException.class)
            .extracting(e -> ((SopsException) e).reason()).isEqualTo(SopsException.Reason.NO_MATCHING_KEY);
        byte[] tampered = new String(file, StandardCharsets.UTF_8).replace("going to remain in clear text", "going to be changed by hand")
            .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Sops.set("example.yaml", tampered, bothKeys, Format.YAML, List.of("myapp1"),
            ValueType.STR, "v")).extracting(e -> ((SopsException) e).reason())
            .isEqualTo(SopsException.Reason.MAC_MISMATCH);
    }

    @Test
    void aRotationMakesANewDataKeyForTheRecipientsAsChanged() throws IOException {
        AgeIdentity age = AgeIdentity.generate(new SecureRandom());
        byte[] original = resource("sops/example.yaml");
        DecryptedDocument before = Sops.decrypt("example.yaml", original, bothKeys);
        byte[] rotated = SopsEncryptor.rotation(before.metadata(), "example.yaml", List.of(age.recipient().toString()),
            List.of(), List.of(), List.of(DROP.toLowerCase()), publicKeys).build().encrypt(before);

        KeyRing ageOnly = KeyRing.builder().ageIdentity(age.encode()).build();
        assertThat(Sops.decrypt("example.yaml", rotated, ageOnly).render()).isEqualTo(before.render());
        assertThat(Sops.decrypt("example.yaml", rotated, keepOnly).render()).isEqualTo(before.render());
        assertThatThrownBy(() -> Sops.decrypt("example.yaml", rotated, dropOnly)).isInstanceOf(SopsException.class)
            .extracting(e -> ((SopsException) e).reason()).isEqualTo(SopsException.Reason.NO_MATCHING_KEY);
        SopsMetadata meta = Sops.metadata("example.yaml", rotated, Format.YAML);
        assertThat(meta.keyGroups().getFirst().describe()).containsExactly("age " + age.recipient(), "PGP " + KEEP);
        assertThat(meta.rule()).isEqualTo(before.metadata().rule());
        assertThat(pgpEntries(rotated)).isNotEqualTo(pgpEntries(original));
        // The removed key's holder knew the old data key: no value is encrypted as it was.
        assertThat(encValues(rotated)).doesNotContainAnyElementsOf(encValues(original));
    }

    @Test
    void aRotationThatCannotKeepEveryRecipientIsRefused() throws IOException {
        DecryptedDocument doc = Sops.decrypt("example.yaml", resource("sops/example.yaml"), bothKeys);
        SopsMetadata meta = doc.metadata();
        assertThatThrownBy(() -> SopsEncryptor.rotation(meta, "example.yaml", List.of(), List.of(), List.of(), List.of(),
            fp -> Optional.empty())).isInstanceOf(SopsException.class).hasMessage("example.yaml: the file is encrypted"
                + " to PGP " + KEEP + ", " + DROP + " and the file holds only the fingerprint: give the public key with"
                + " --pgp-public-keys (gpg --export -a FINGERPRINT), or remove it (--rm-pgp)");
        assertThatThrownBy(() -> SopsEncryptor.rotation(meta, "example.yaml", List.of(), List.of("age1nobody"), List.of(),
            List.of(), publicKeys)).hasMessage("example.yaml: the file is not encrypted to age age1nobody; it is"
                + " encrypted to PGP " + KEEP + ", PGP " + DROP);
        assertThatThrownBy(() -> SopsEncryptor.rotation(meta, "example.yaml", List.of(), List.of(), List.of(),
            List.of(KEEP, DROP), publicKeys)).hasMessage("example.yaml: no recipient would be left; add one (--add-age,"
                + " --add-pgp) before removing the last");
    }

    private static List<String> pgpEntries(byte[] file) {
        return Sops.metadata("f.yaml", file, Format.YAML).keyGroups().stream().flatMap(g -> g.pgp().stream())
            .map(SopsMetadata.PgpKey::enc).toList();
    }

    private static List<String> encValues(byte[] file) {
        Matcher m = Pattern.compile("ENC\\[AES256_GCM,data:[^,]*").matcher(new String(file, StandardCharsets.UTF_8));
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = SopsEditTest.class.getResourceAsStream("/interop/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
