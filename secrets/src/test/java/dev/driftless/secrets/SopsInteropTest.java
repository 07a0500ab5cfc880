package dev.driftless.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files written by the real sops tool (test resources interop/sops, see its README) decrypt exactly. */
class SopsInteropTest {

    @TempDir
    static Path dir;

    private static KeyRing bothKeys;
    private static List<Path> singleKeyFiles;

    @BeforeAll
    static void loadKeys() throws IOException {
        Path all = dir.resolve("sops_functional_tests_key.asc");
        Files.write(all, resource("sops/sops_functional_tests_key.asc"));
        bothKeys = KeyRing.builder().pgpSecretKeyFile(all).build();
        singleKeyFiles = new ArrayList<>();
        Matcher m = Pattern.compile("-----BEGIN PGP PRIVATE KEY BLOCK-----.*?-----END PGP PRIVATE KEY BLOCK-----",
            Pattern.DOTALL).matcher(Files.readString(all));
        int i = 0;
        while (m.find()) {
            Path p = dir.resolve("secret-" + i++ + ".asc");
            Files.writeString(p, m.group() + "\n");
            singleKeyFiles.add(p);
        }
    }

    @Test
    void theKeyFileHoldsTwoSecretKeysAndAPublicOne() {
        assertThat(bothKeys.pgpFingerprints()).containsExactly(
            "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4", "D7229043384BCC60326C6FB9D8720D957C3D3074");
        assertThat(singleKeyFiles).hasSize(2);
    }

    @Test
    void exampleYamlFromSops3102DecryptsToTheReadmeValues() throws IOException {
        DecryptedDocument doc = Sops.decrypt("example.yaml", resource("sops/example.yaml"), bothKeys);
        assertValue(doc, "myapp1", ValueType.STR, "t00m4nys3cr3tzupdated");
        assertValue(doc, "app2/db/user", ValueType.STR, "eve");
        assertValue(doc, "app2/db/password", ValueType.STR, "c4r1b0u");
        assertThat(doc.lookup(List.of("app2", "key")).orElseThrow().reveal())
            .startsWith("-----BEGIN RSA PRIVATE KEY-----\n").endsWith("-----END RSA PRIVATE KEY-----\n")
            .hasSize(497);
        assertValue(doc, "number", ValueType.FLOAT, "1234568000");
        assertValue(doc, "an_array/0", ValueType.STR, "secretuser1");
        assertValue(doc, "an_array/1", ValueType.STR, "secretuser2");
        assertThat(doc.lookup(List.of("an_array", "2")).orElseThrow().reveal())
            .startsWith("somelongvalueAAAA").matches("somelongvalueA+").hasSize(58);
        assertValue(doc, "an_array/3", ValueType.STR, "some other value");
        assertValue(doc, "somebooleans/0", ValueType.BOOL, "true");
        assertValue(doc, "somebooleans/1", ValueType.BOOL, "false");
        assertValue(doc, "this/is/a/nested/value", ValueType.STR, "with something secret in it");
        assertValue(doc, "somelist_unencrypted/1", ValueType.STR, "remain in clear text");
        assertValue(doc, "nested_unencrypted/this/is/all", ValueType.STR, "going to remain in clear text");
        assertThat(doc.values()).hasSize(16);
        assertThat(doc.metadata().version()).isEqualTo("3.10.2");
        assertThat(doc.metadata().rule()).isEqualTo(new EncryptionRule.UnencryptedSuffix("_unencrypted"));
    }

    @Test
    void exampleYamlRendersExactlyAsSopsDashDPrintsIt() throws IOException {
        DecryptedDocument doc = Sops.decrypt("example.yaml", resource("sops/example.yaml"), bothKeys);
        assertThat(doc.render()).isEqualTo(new String(resource("expected/example.decrypted.yaml"), StandardCharsets.UTF_8));
        assertThat(doc.render()).contains("        # private key for secret operations in app2\n    key: |\n");
    }

    @Test
    void plaintextLengthsMatchTheCiphertextLengthsOfTheFile() throws IOException {
        String file = new String(resource("sops/example.yaml"), StandardCharsets.UTF_8);
        int keyData = dataLength(file, "    key: ENC");
        DecryptedDocument doc = Sops.decrypt("example.yaml", resource("sops/example.yaml"), bothKeys);
        assertThat(doc.lookup(List.of("app2", "key")).orElseThrow().bytes()).hasSize(keyData);
        int longItem = dataLength(file, "    - ENC[AES256_GCM,data:gpZ7");
        assertThat(doc.lookup(List.of("an_array", "2")).orElseThrow().bytes()).hasSize(longItem);
    }

    @Test
    void exampleJsonFromSops350DecryptsToTheReadmeValues() throws IOException {
        DecryptedDocument doc = Sops.decrypt("example.json", resource("sops/example.json"), bothKeys);
        assertValue(doc, "firstName", ValueType.STR, "John");
        assertValue(doc, "lastName", ValueType.STR, "Smith");
        assertValue(doc, "age", ValueType.FLOAT, "25.4");
        assertValue(doc, "address/city", ValueType.STR, "New York");
        assertValue(doc, "address/postalCode", ValueType.STR, "10021-3100");
        assertValue(doc, "address/state", ValueType.STR, "NY");
        assertValue(doc, "address/streetAddress", ValueType.STR, "21 2nd Street");
        assertValue(doc, "phoneNumbers/0/number", ValueType.STR, "212 555-1234");
        assertValue(doc, "phoneNumbers/0/type", ValueType.STR, "home");
        assertValue(doc, "phoneNumbers/1/number", ValueType.STR, "646 555-4567");
        assertValue(doc, "phoneNumbers/1/type", ValueType.STR, "office");
        assertValue(doc, "anEmptyValue", ValueType.STR, "");
        assertThat(doc.values()).hasSize(12);
        assertThat(doc.render()).isEqualTo(new String(resource("expected/example.decrypted.json"), StandardCharsets.UTF_8));
    }

    @Test
    void eitherSecretKeyAloneDecryptsBothFiles() throws IOException {
        for (Path keyFile : singleKeyFiles) {
            KeyRing one = KeyRing.builder().pgpSecretKeyFile(keyFile).build();
            assertThat(one.pgpFingerprints()).hasSize(1);
            for (String file : List.of("example.yaml", "example.json")) {
                DecryptedDocument doc = Sops.decrypt(file, resource("sops/" + file), one);
                assertThat(doc.lookup(List.of(file.endsWith("yaml") ? "myapp1" : "firstName"))).isPresent();
            }
        }
    }

    @Test
    void theMacOfTheSopsFileIsVerified() throws IOException {
        String file = new String(resource("sops/example.yaml"), StandardCharsets.UTF_8);
        // Swapping two list items keeps every value decryptable (same path) but changes the MAC input.
        String a = line(file, "    - ENC[AES256_GCM,data:vyczE8");
        String b = line(file, "    - ENC[AES256_GCM,data:XtBinn");
        String swapped = file.replace(a, "@@").replace(b, a).replace("@@", b);
        assertThatThrownBy(() -> Sops.decrypt("example.yaml", swapped.getBytes(StandardCharsets.UTF_8), bothKeys))
            .isInstanceOfSatisfying(SopsException.class,
                e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.MAC_MISMATCH))
            .hasMessage("example.yaml: MAC mismatch: values, their order or the unencrypted parts changed after the"
                + " file was encrypted");
        String cleartextEdited = file.replace("remain in clear text", "remain in plain text");
        assertThatThrownBy(() -> Sops.decrypt("example.yaml", cleartextEdited.getBytes(StandardCharsets.UTF_8), bothKeys))
            .isInstanceOfSatisfying(SopsException.class,
                e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.MAC_MISMATCH));
    }

    @Test
    void theFileNamesItsPgpRecipientsWhenNoKeyMatches() throws IOException {
        assertThatThrownBy(() -> Sops.decrypt("example.yaml", resource("sops/example.yaml"), KeyRing.empty()))
            .isInstanceOfSatisfying(SopsException.class,
                e -> assertThat(e.reason()).isEqualTo(SopsException.Reason.NO_MATCHING_KEY))
            .hasMessageContaining("PGP FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4, PGP D7229043384BCC60326C6FB9D8720D957C3D3074");
    }

    private static void assertValue(DecryptedDocument doc, String path, ValueType type, String value) {
        SecretValue v = doc.lookup(List.of(path.split("/"))).orElseThrow(() -> new AssertionError("no value at " + path));
        assertThat(v.type()).as(path).isEqualTo(type);
        assertThat(v.reveal()).as(path).isEqualTo(value);
    }

    private static int dataLength(String file, String linePrefix) {
        String l = line(file, linePrefix);
        Matcher m = Pattern.compile("data:([^,]*),").matcher(l);
        assertThat(m.find()).isTrue();
        return Base64.getDecoder().decode(m.group(1)).length;
    }

    private static String line(String file, String prefix) {
        return file.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = SopsInteropTest.class.getResourceAsStream("/interop/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
