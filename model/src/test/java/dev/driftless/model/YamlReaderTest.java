package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.YamlNode.YamlList;
import dev.driftless.model.YamlNode.YamlMap;
import dev.driftless.model.YamlNode.YamlScalar;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class YamlReaderTest {

    private final ProblemList problems = new ProblemList();

    private Optional<YamlNode> read(String text) {
        return YamlReader.read("f.yaml", text.getBytes(StandardCharsets.UTF_8), problems);
    }

    private List<String> problemLines() {
        return problems.sorted().stream().map(Problem::toString).toList();
    }

    private YamlMap map(String text) {
        YamlNode node = read(text).orElseThrow(() -> new AssertionError(problemLines()));
        return (YamlMap) node;
    }

    @Test
    void everyNodeKnowsItsLineAndColumn() {
        YamlMap root = map("# comment\na: 1\nb:\n  - x\n  - {c: d}\n");

        assertThat(root.entry("a").orElseThrow().key().location()).isEqualTo(new SourceLocation("f.yaml", 2, 1));
        assertThat(root.get("a").orElseThrow().location()).isEqualTo(new SourceLocation("f.yaml", 2, 4));
        YamlList b = (YamlList) root.get("b").orElseThrow();
        assertThat(b.items().get(0).location()).isEqualTo(new SourceLocation("f.yaml", 4, 5));
        YamlMap c = (YamlMap) b.items().get(1);
        assertThat(c.get("c").orElseThrow().location()).isEqualTo(new SourceLocation("f.yaml", 5, 9));
    }

    @Test
    void scalarsKeepTheirTextSoYaml11SurprisesDoNotHappen() {
        YamlMap root = map("country: NO\nport: 8080:8080\nversion: 1.10\nzip: 01234\non: yes\n");

        assertThat(root.get("country").orElseThrow()).isEqualTo(new YamlScalar("NO", true, new SourceLocation("f.yaml", 1, 10)));
        assertThat(((YamlScalar) root.get("port").orElseThrow()).text()).isEqualTo("8080:8080");
        assertThat(((YamlScalar) root.get("version").orElseThrow()).text()).isEqualTo("1.10");
        assertThat(((YamlScalar) root.get("zip").orElseThrow()).text()).isEqualTo("01234");
        assertThat(((YamlScalar) root.get("on").orElseThrow()).asBoolean()).isEmpty();
    }

    @Test
    void plainScalarsAreTypedByTheYaml12CoreSchemaButQuotedOnesAreText() {
        YamlMap root = map("a: true\nb: \"true\"\nc: 42\nd: '42'\ne: ~\nf:\ng: 1.5e3\n");

        assertThat(((YamlScalar) root.get("a").orElseThrow()).asBoolean()).contains(true);
        assertThat(((YamlScalar) root.get("b").orElseThrow()).asBoolean()).isEmpty();
        assertThat(((YamlScalar) root.get("c").orElseThrow()).asLong()).contains(42L);
        assertThat(((YamlScalar) root.get("d").orElseThrow()).asLong()).isEmpty();
        assertThat(((YamlScalar) root.get("e").orElseThrow()).isNull()).isTrue();
        assertThat(((YamlScalar) root.get("f").orElseThrow()).isNull()).isTrue();
        assertThat(((YamlScalar) root.get("g").orElseThrow()).asDecimal()).hasValueSatisfying(
            d -> assertThat(d).isEqualByComparingTo("1500"));
    }

    @Test
    void anchorsAliasesAndMergeKeysWork() {
        YamlMap root = map("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nl: *b\n");

        YamlMap m = (YamlMap) root.get("m").orElseThrow();
        assertThat(m.keys()).containsExactlyInAnyOrder("x", "y");
        assertThat(((YamlScalar) m.get("y").orElseThrow()).text()).isEqualTo("3");
        assertThat(m.get("x").orElseThrow().location()).isEqualTo(new SourceLocation("f.yaml", 1, 14));
        assertThat(root.get("l").orElseThrow()).isInstanceOf(YamlMap.class);
    }

    @Test
    void duplicateKeysAreAProblemAtTheSecondKey() {
        assertThat(read("a: 1\nb: 2\na: 3\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:3:1: duplicate key \"a\" (first defined at line 1)");
    }

    @Test
    void emptyFileReadsAsNothing() {
        YamlNode node = read("# only a comment\n").orElseThrow();
        assertThat(node).isInstanceOf(YamlScalar.class);
        assertThat(((YamlScalar) node).isNull()).isTrue();
    }

    @Test
    void globalTagsAreRefused() {
        assertThat(read("a: !!python/object:os.system x\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:1:4: YAML tag !!python/object:os.system is not supported here; remove it");
    }

    @Test
    void localTagsAreRefused() {
        assertThat(read("a: !secret x\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:1:4: YAML tag !secret is not supported here; remove it");
    }

    @Test
    void mappingKeysMustBeWords() {
        assertThat(read("? [a, b]\n: c\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:1:3: a mapping key must be a plain word, not a list or mapping");
    }

    @Test
    void invalidUtf8IsAProblemNotAnException() {
        assertThat(YamlReader.read("f.yaml", new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28}, problems)).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:0:0: not a UTF-8 text file");
    }

    @Test
    void controlCharactersArePlacedOnTheirLine() {
        assertThat(read("a: 1\nb: \"x\u0001\"\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:2:6: character U+0001 is not allowed in YAML; remove it");
    }

    @Test
    void undefinedAliasIsExplained() {
        assertThat(read("a: *nope\n")).isEmpty();
        assertThat(problemLines()).containsExactly("f.yaml:1:4: alias *nope refers to no anchor &nope defined before it");
    }

    @Test
    void colonInAPlainValueIsExplained() {
        assertThat(read("command: a: b\n")).isEmpty();
        assertThat(problemLines()).containsExactly(
            "f.yaml:1:11: unexpected ':' here: check the indentation, or quote a value that contains \": \"");
    }

    @Test
    void mergingANonMappingIsExplained() {
        assertThat(read("a:\n  <<: 5\n  b: 1\n")).isEmpty();
        assertThat(problemLines()).singleElement().asString()
            .endsWith("'<<' merges mappings: its value must be a mapping or an alias of one");
    }

    @Test
    void aliasBombsAreRefused() {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            String prev = String.valueOf((char) (c - 1));
            bomb.append(c).append(": &").append(c).append(" [*").append(prev).append(", *").append(prev)
                .append(", *").append(prev).append(", *").append(prev).append(", *").append(prev)
                .append(", *").append(prev).append(", *").append(prev).append(", *").append(prev)
                .append(", *").append(prev).append(", *").append(prev).append("]\n");
        }
        assertThat(read(bomb.toString())).isEmpty();
        assertThat(problemLines()).singleElement().asString().contains("too many aliases");
    }

    @Test
    void aLargeFileWithoutAliasesIsNoBomb() {
        // An inventory of 20,000 hosts: 200,000 nodes, all written out.
        StringBuilder hosts = new StringBuilder("hosts:\n");
        for (int i = 0; i < 20_000; i++) {
            hosts.append("  h").append(i).append(": {address: 10.0.").append(i / 256 % 256).append('.').append(i % 256)
                .append(", labels: {role: app, zone: a}}\n");
        }
        YamlMap root = (YamlMap) read(hosts.toString()).orElseThrow();
        assertThat(((YamlMap) root.get("hosts").orElseThrow()).keys()).hasSize(20_000);
        assertThat(problemLines()).isEmpty();
    }

    @Test
    void jsonFilesWithTabsReadWithPositions() {
        byte[] json = "{\n\t\"db\": {\n\t\t\"password\": \"ENC[x]\"\n\t},\n\t\"n\": 3\n}\n".getBytes(StandardCharsets.UTF_8);
        YamlMap root = (YamlMap) JsonTreeReader.read("s.json", json, problems).orElseThrow();

        YamlMap db = (YamlMap) root.get("db").orElseThrow();
        assertThat(db.get("password").orElseThrow().location()).isEqualTo(new SourceLocation("s.json", 3, 15));
        assertThat(((YamlScalar) root.get("n").orElseThrow()).asLong()).contains(3L);
    }

    @Test
    void malformedJsonIsAProblemWithPosition() {
        byte[] json = "{\n  \"a\": 1,\n  \"b\" 2\n}\n".getBytes(StandardCharsets.UTF_8);
        assertThat(JsonTreeReader.read("s.json", json, problems)).isEmpty();
        assertThat(problemLines()).singleElement().asString().startsWith("s.json:3:7: malformed JSON: Unexpected character");
    }

    @Test
    void dotenvFilesReadAsFlatMappings() {
        byte[] env = "# comment\nA=ENC[x]\n\nB=ENC[y]\nbroken\n".getBytes(StandardCharsets.UTF_8);
        YamlMap root = EnvFileReader.read("s.env", env, problems);

        assertThat(root.keys()).containsExactly("A", "B");
        assertThat(root.get("B").orElseThrow().location()).isEqualTo(new SourceLocation("s.env", 4, 3));
        assertThat(problemLines()).containsExactly("s.env:5:1: expected KEY=VALUE");
    }
}
