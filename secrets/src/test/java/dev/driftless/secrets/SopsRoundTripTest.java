package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.secrets.age.AgeIdentity;
import dev.driftless.secrets.tree.BytesValue;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.TimeValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Encrypt then decrypt: every format, comments, nested lists and every value type survive. */
class SopsRoundTripTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final AgeIdentity key = AgeIdentity.generate(RANDOM);
    private final KeyRing ring = KeyRing.builder().ageIdentity(key.encode()).build();

    private byte[] encrypt(String name, byte[] plain) {
        return Sops.encryptor().ageRecipient(key.recipient().toString()).build().encrypt(name, plain);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"rich.yaml, rich.expected.yaml", "rich.json, rich.expected.json", "rich.env, rich.expected.env",
        "rich.ini, rich.expected.ini"})
    void encryptedFilesDecryptToThePlaintextAsSopsPrintsIt(String input, String expected) throws IOException {
        byte[] encrypted = encrypt(input, resource(input));
        String text = new String(encrypted, StandardCharsets.UTF_8);
        assertThat(text).doesNotContainPattern("[ =:]shop\n").doesNotContain(": s1\n").contains("ENC[AES256_GCM,data:")
            .contains("3.10.2").contains(key.recipient().toString());
        DecryptedDocument doc = Sops.decrypt(input, encrypted, ring);
        assertThat(doc.render()).isEqualTo(new String(resource(expected), StandardCharsets.UTF_8));
    }

    @Test
    void yamlValuesKeepTheirTypes() throws IOException {
        DecryptedDocument doc = Sops.decrypt("rich.yaml", encrypt("rich.yaml", resource("rich.yaml")), ring);
        assertType(doc, "app/name", ValueType.STR, "shop");
        assertType(doc, "app/port", ValueType.INT, "8080");
        assertType(doc, "app/ratio", ValueType.FLOAT, "0.75");
        assertType(doc, "app/big", ValueType.FLOAT, "1000000000000000000000");
        assertType(doc, "app/enabled", ValueType.BOOL, "true");
        assertType(doc, "app/disabled", ValueType.STR, "no");
        assertType(doc, "app/empty", ValueType.STR, "");
        assertType(doc, "app/date", ValueType.STR, "2024-05-01");
        assertType(doc, "app/quoted", ValueType.STR, "123");
        assertType(doc, "app/multiline", ValueType.STR, "line one\nline two\n");
        assertType(doc, "app/nested/1/secret", ValueType.STR, "s2");
        assertType(doc, "app/nested/2/1", ValueType.STR, "y");
        assertType(doc, "list/0", ValueType.INT, "1");
        assertType(doc, "list/1", ValueType.FLOAT, "2.5");
        assertType(doc, "list/2", ValueType.BOOL, "false");
        assertThat(doc.lookup(List.of("app", "nothing"))).isEmpty();
        assertThat(doc.lookup(List.of("app", "nested"))).isEmpty();
        assertThat(doc.lookup(List.of("list", "3"))).isEmpty();
        assertThat(doc.lookup(List.of("app", "nested", "x"))).isEmpty();
    }

    @Test
    void mapStyleAccessGivesNestedMapsListsAndValues() throws IOException {
        DecryptedDocument doc = Sops.decrypt("rich.yaml", encrypt("rich.yaml", resource("rich.yaml")), ring);
        Map<String, Object> map = doc.asMap();
        assertThat(map).containsOnlyKeys("app", "plain_unencrypted", "list");
        @SuppressWarnings("unchecked")
        Map<String, Object> app = (Map<String, Object>) map.get("app");
        assertThat(app).doesNotContainKey("nothing");
        assertThat(((SecretValue) app.get("name")).reveal()).isEqualTo("shop");
        assertThat(((List<?>) map.get("list"))).hasSize(3);
        assertThat(doc.toString()).isEqualTo("DecryptedDocument[rich.yaml, 20 values]");
    }

    @Test
    void listCommentsAreEncryptedAsListItemsLikeSopsDoes() throws IOException {
        String text = new String(encrypt("rich.yaml", resource("rich.yaml")), StandardCharsets.UTF_8);
        assertThat(text).containsPattern("\n    - ENC\\[AES256_GCM,data:[^\\n]*,type:comment\\]\n")
            .contains("\n    #ENC[AES256_GCM,data:").doesNotContain("comment in list");
    }

    @Test
    void multiDocumentYamlRoundTripsWithMetadataInEveryDocument() {
        String plain = "a: 1\n---\nb: two\n";
        byte[] enc = encrypt("multi.yaml", plain.getBytes(StandardCharsets.UTF_8));
        String text = new String(enc, StandardCharsets.UTF_8);
        assertThat(text.split("\nsops:\n", -1)).hasSize(3);
        DecryptedDocument doc = Sops.decrypt("multi.yaml", enc, ring);
        assertThat(doc.render()).isEqualTo("a: 1\n---\nb: two\n");
        assertThat(doc.documents()).hasSize(2);
    }

    @Test
    void encryptedRegexLeavesOtherValuesInClearText() {
        String plain = "user: shop\npassword: s3cret\nnested:\n    token: t0k\n    port: 5432\n";
        byte[] enc = Sops.encryptor().ageRecipient(key.recipient().toString())
            .rule(new EncryptionRule.EncryptedRegex("^(password|token)$")).build()
            .encrypt("r.yaml", plain.getBytes(StandardCharsets.UTF_8));
        String text = new String(enc, StandardCharsets.UTF_8);
        assertThat(text).contains("user: shop\n").contains("port: 5432\n").contains("password: ENC[")
            .contains("token: ENC[").contains("encrypted_regex: ^(password|token)$");
        assertThat(Sops.decrypt("r.yaml", enc, ring).render()).isEqualTo(
            "user: shop\npassword: s3cret\nnested:\n    token: t0k\n    port: 5432\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unencrypted_suffix|_clear|password: ENC[|name_clear: visible",
        "encrypted_suffix|_secret|db_secret:|name_clear: visible",
        "unencrypted_regex|^name|password: ENC[|name_clear: visible"})
    void everyPathRuleRoundTrips(String ruleKey, String value, String encryptedMarker, String clearMarker) {
        String plain = "name_clear: visible\npassword: pw\ndb_secret:\n    host: h\n";
        byte[] enc = Sops.encryptor().ageRecipient(key.recipient().toString())
            .rule(EncryptionRule.of(ruleKey, value)).build().encrypt("r.yaml", plain.getBytes(StandardCharsets.UTF_8));
        String text = new String(enc, StandardCharsets.UTF_8);
        assertThat(text).contains(encryptedMarker).contains(clearMarker).contains(ruleKey + ": " + value);
        assertThat(Sops.decrypt("r.yaml", enc, ring).render()).isEqualTo(plain);
    }

    @Test
    void commentRegexesDecideByThePrecedingComment() {
        String plain = "# sops:enc\npassword: pw\nuser: shop\n";
        byte[] enc = Sops.encryptor().ageRecipient(key.recipient().toString())
            .rule(new EncryptionRule.EncryptedCommentRegex("sops:enc")).build()
            .encrypt("c.yaml", plain.getBytes(StandardCharsets.UTF_8));
        String text = new String(enc, StandardCharsets.UTF_8);
        assertThat(text).startsWith("# sops:enc\npassword: ENC[").contains("\nuser: shop\n");
        assertThat(Sops.decrypt("c.yaml", enc, ring).render()).isEqualTo(plain);

        String clear = "# public\nname: shop\npassword: pw\n";
        byte[] enc2 = Sops.encryptor().ageRecipient(key.recipient().toString())
            .rule(new EncryptionRule.UnencryptedCommentRegex("public")).build()
            .encrypt("c.yaml", clear.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(enc2, StandardCharsets.UTF_8)).startsWith("# public\nname: shop\npassword: ENC[");
        assertThat(Sops.decrypt("c.yaml", enc2, ring).render()).isEqualTo(clear);
    }

    @Test
    void macOnlyEncryptedLetsClearValuesBeEdited() {
        String plain = "password: pw\nhost_unencrypted: db1\n";
        byte[] enc = Sops.encryptor().ageRecipient(key.recipient().toString()).macOnlyEncrypted(true).build()
            .encrypt("m.yaml", plain.getBytes(StandardCharsets.UTF_8));
        String edited = new String(enc, StandardCharsets.UTF_8).replace("host_unencrypted: db1", "host_unencrypted: db2");
        assertThat(edited).contains("mac_only_encrypted: true");
        assertThat(Sops.decrypt("m.yaml", edited.getBytes(StandardCharsets.UTF_8), ring).render())
            .isEqualTo("password: pw\nhost_unencrypted: db2\n");
    }

    @Test
    void metadataIsWrittenInSopsFieldOrder() {
        Clock clock = Clock.fixed(Instant.parse("2025-01-02T03:04:05.678Z"), ZoneOffset.UTC);
        byte[] enc = Sops.encryptor().ageRecipient(key.recipient().toString()).clock(clock).build()
            .encrypt("o.yaml", "a: b\n".getBytes(StandardCharsets.UTF_8));
        String text = new String(enc, StandardCharsets.UTF_8);
        String sops = text.substring(text.indexOf("sops:\n"));
        assertThat(sops.lines().filter(l -> l.matches("    [a-z_]+:.*")).map(l -> l.strip().split(":")[0]))
            .containsExactly("age", "lastmodified", "mac", "unencrypted_suffix", "version");
        assertThat(sops).contains("    lastmodified: \"2025-01-02T03:04:05Z\"\n")
            .contains("        - recipient: " + key.recipient() + "\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n")
            .endsWith("    version: 3.10.2\n");
    }

    @Test
    void dotenvMetadataIsFlattenedIntoSortedSopsLines() {
        byte[] enc = encrypt("x.env", "A=1\n".getBytes(StandardCharsets.UTF_8));
        List<String> lines = new String(enc, StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("A=ENC[AES256_GCM,");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.substring(0, l.indexOf('=')))
            .containsExactly("sops_age__list_0__map_enc", "sops_age__list_0__map_recipient", "sops_lastmodified",
                "sops_mac", "sops_unencrypted_suffix", "sops_version");
        assertThat(lines.get(1)).startsWith("sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\n");
    }

    @Test
    void timeAndBytesValuesDecryptWithTheirTypes() {
        OffsetDateTime when = OffsetDateTime.parse("2024-02-03T04:05:06.789+02:00");
        Document plain = new Document(List.of(new MapNode(List.of(
            new Entry("when", new TimeValue(when)),
            new Entry("raw", new BytesValue(new byte[] {(byte) 0xff, 0x00, 0x41}))))));
        byte[] dataKey = new byte[32];
        RANDOM.nextBytes(dataKey);
        TreeCipher cipher = new TreeCipher(EncryptionRule.DEFAULT, false, "t.yaml");
        TreeCipher.Result enc = cipher.encrypt(plain, dataKey, RANDOM);
        TreeCipher.Result dec = cipher.decrypt(enc.document(), dataKey);
        assertThat(dec.mac()).isEqualTo(enc.mac());
        DecryptedDocument doc = new DecryptedDocument("t.yaml", Format.YAML, dec.document(),
            new SopsMetadata(List.of(), 0, "2024-01-01T00:00:00Z", "", EncryptionRule.DEFAULT, false, "3.10.2"));
        assertType(doc, "when", ValueType.TIME, "2024-02-03T04:05:06.789+02:00");
        // sops walks []byte as a string, so raw bytes come back as a (non-UTF-8) str value's bytes
        assertThat(doc.lookup(List.of("raw")).orElseThrow().bytes()).containsExactly(0xff, 0x00, 0x41);
        assertThat(doc.render()).isEqualTo("when: 2024-02-03T04:05:06.789+02:00\nraw: !!binary /wBB\n");
    }

    private static void assertType(DecryptedDocument doc, String path, ValueType type, String value) {
        SecretValue v = doc.lookup(List.of(path.split("/"))).orElseThrow(() -> new AssertionError("no value at " + path));
        assertThat(v.type()).as(path).isEqualTo(type);
        assertThat(v.reveal()).as(path).isEqualTo(value);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = SopsRoundTripTest.class.getResourceAsStream("/roundtrip/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
