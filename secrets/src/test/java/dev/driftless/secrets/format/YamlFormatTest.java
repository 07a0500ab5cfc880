package dev.driftless.secrets.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.tree.BoolValue;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.IntValue;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.NullNode;
import dev.driftless.secrets.tree.TextValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The YAML reader (go-yaml v3 typing, comment placement) and the ported go-yaml v3 emitter. */
class YamlFormatTest {

    @Test
    void theEncryptedFileWrittenBySops3102IsReproducedByteForByte() throws IOException {
        String sops = resource("/interop/sops/example.yaml");
        assertThat(YamlWriter.write(YamlReader.read(sops, "example.yaml"))).isEqualTo(sops);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "123|\"123\"", "yes|\"yes\"", "null|\"null\"", "``|\"\"", "- a|'- a'", "a: b|'a: b'", "#x|'#x'",
        "x #y|'x #y'", "it's|it's", "` leading`|' leading'", "2024-05-01|\"2024-05-01\"", "1:20|\"1:20\"",
        "é ok|é ok", "ENC[AES256_GCM,data:x]|ENC[AES256_GCM,data:x]", "1.5|\"1.5\"", "~|\"~\"", "<<|<<"})
    void stringsAreQuotedExactlyWhenGoYamlQuotesThem(String value, String expected) {
        assertThat(write("k", new TextValue(value))).isEqualTo("k: " + expected + "\n");
    }

    @Test
    void specialCharactersUseDoubleQuotedEscapes() {
        assertThat(write("k", new TextValue("tab\there"))).isEqualTo("k: \"tab\\there\"\n");
        assertThat(write("k", new TextValue("emoji 😀"))).isEqualTo("k: \"emoji \\U0001F600\"\n");
        assertThat(write("k", new TextValue("nul\u0000 bell\u0007"))).isEqualTo("k: \"nul\\0 bell\\a\"\n");
    }

    @Test
    void multiLineStringsBecomeLiteralBlocksWithChompingIndicators() {
        assertThat(write("k", new TextValue("a\nb"))).isEqualTo("k: |-\n    a\n    b\n");
        assertThat(write("k", new TextValue("a\nb\n"))).isEqualTo("k: |\n    a\n    b\n");
        assertThat(write("k", new TextValue("a\n\n"))).isEqualTo("k: |+\n    a\n\n");
        assertThat(write("k", new TextValue(" a\nb"))).isEqualTo("k: |4-\n     a\n    b\n");
        assertThat(write("k", new TextValue("trailing \nspace"))).isEqualTo("k: \"trailing \\nspace\"\n");
    }

    @Test
    void numbersBooleansAndNullsArePlain() {
        assertThat(write("i", new IntValue(-5))).isEqualTo("i: -5\n");
        assertThat(write("f", new FloatValue(1.234568e9))).isEqualTo("f: 1.234568e+09\n");
        assertThat(write("f", new FloatValue(Double.POSITIVE_INFINITY))).isEqualTo("f: .inf\n");
        assertThat(write("b", new BoolValue(false))).isEqualTo("b: false\n");
        assertThat(write("nothing", NullNode.INSTANCE)).isEqualTo("nothing: null\n");
        assertThat(write("n", NullNode.INSTANCE)).isEqualTo("\"n\": null\n"); // a YAML 1.1 boolean key
        assertThat(write("true", new TextValue("v"))).isEqualTo("\"true\": v\n");
    }

    @Test
    void plainScalarsAreTypedAsGoYamlV3TypesThem() {
        assertThat(YamlResolver.resolve("0x1F")).isEqualTo(new IntValue(31));
        assertThat(YamlResolver.resolve("0o17")).isEqualTo(new IntValue(15));
        assertThat(YamlResolver.resolve("-0b101")).isEqualTo(new IntValue(-5));
        assertThat(YamlResolver.resolve("1_000")).isEqualTo(new IntValue(1000));
        assertThat(YamlResolver.resolve("08")).isEqualTo(new FloatValue(8));
        assertThat(YamlResolver.resolve(".5")).isEqualTo(new FloatValue(0.5));
        assertThat(YamlResolver.resolve("1e3")).isEqualTo(new FloatValue(1000));
        assertThat(YamlResolver.resolve("True")).isEqualTo(new BoolValue(true));
        assertThat(YamlResolver.resolve("yes")).isEqualTo(new TextValue("yes"));
        assertThat(YamlResolver.resolve("2001-02-03")).isEqualTo(new TextValue("2001-02-03"));
        assertThat(YamlResolver.resolve("~")).isEqualTo(NullNode.INSTANCE);
        assertThat(YamlResolver.resolve("3.10.2")).isEqualTo(new TextValue("3.10.2"));
        // beyond uint64 go-yaml falls through to float
        assertThat(YamlResolver.resolve("99999999999999999999")).isEqualTo(new FloatValue(1e20));
    }

    @Test
    void commentsStayInTheMapOrListTheyAreIndentedUnder() {
        String yaml = """
            a:
                b: 1
                # end of a
            # before c
            c:
                - x
                # in list
                - y
            d: 2 # trailing
            """;
        assertThat(YamlWriter.write(YamlReader.read(yaml, "f.yaml"))).isEqualTo("""
            a:
                b: 1
                # end of a
            # before c
            c:
                - x
                # in list
                - "y"
            # trailing
            d: 2
            """);
    }

    @Test
    void emptyCollectionsAreWrittenInFlowStyle() {
        assertThat(YamlWriter.write(YamlReader.read("a: {}\nb: []\n", "f.yaml"))).isEqualTo("a: {}\nb: []\n");
        assertThat(YamlWriter.write(YamlReader.read("", "f.yaml"))).isEmpty();
    }

    @Test
    void readErrorsNameTheLineAndNeverTheContent() {
        assertThatThrownBy(() -> YamlReader.read("a: 1\nsecret: hunter2\nsecret: again\n", "f.yaml"))
            .hasMessage("f.yaml: duplicate key at line 3");
        assertThatThrownBy(() -> YamlReader.read("a: 1\n5: hunter2\n", "f.yaml"))
            .hasMessage("f.yaml: key at line 2 is an integer; sops supports only string keys (quote it)");
        assertThatThrownBy(() -> YamlReader.read("- hunter2\n", "f.yaml"))
            .hasMessageContaining("f.yaml: YAML documents that are sequences are not supported");
        assertThatThrownBy(() -> YamlReader.read("n: 18446744073709551615\n", "f.yaml"))
            .hasMessage("f.yaml: integer at line 1 does not fit in 64 bits (sops supports only signed 64-bit integers)");
        assertThatThrownBy(() -> YamlReader.read("a: 1\nb: \"hunter2\n", "f.yaml"))
            .hasMessageStartingWith("f.yaml: invalid YAML at line 3").hasMessageNotContaining("hunter2");
    }

    @Test
    void anchorsAndAliasesAreExpandedLikeGoYaml() {
        Document d = YamlReader.read("base: &b\n    x: 1\nother: *b\n", "f.yaml");
        assertThat(d.branches().get(0).get("other")).contains(new MapNode(List.of(new Entry("x", new IntValue(1)))));
    }

    private static String write(String key, dev.driftless.secrets.tree.Node value) {
        return YamlWriter.write(new Document(List.of(new MapNode(List.of(new Entry(key, value))))));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = YamlFormatTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
