package dev.driftless.secrets.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Entry;
import dev.driftless.secrets.tree.FloatValue;
import dev.driftless.secrets.tree.MapNode;
import dev.driftless.secrets.tree.TextValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonDotenvIniFormatTest {

    @Test
    void jsonNumbersAreFloatsAsInGo() {
        MapNode m = JsonFormat.read("{\"port\": 8080, \"ratio\": 0.5}", "f.json").branches().get(0);
        assertThat(m.get("port")).contains(new FloatValue(8080));
        assertThat(JsonFormat.write(new Document(List.of(m)))).isEqualTo("{\n\t\"port\": 8080,\n\t\"ratio\": 0.5\n}\n");
    }

    @Test
    void jsonStringsAreEscapedLikeEncodingJson() {
        String out = JsonFormat.writeValue(new TextValue("<a&b> \"q\" \\ \n\t\b\f \u0001 \u2028 é"));
        assertThat(out).isEqualTo("\"\\u003ca\\u0026b\\u003e \\\"q\\\" \\\\ \\n\\t\\b\\f \\u0001 \\u2028 é\"");
    }

    @Test
    void jsonErrorsNameTheLine() {
        assertThatThrownBy(() -> JsonFormat.read("[1, 2]", "f.json"))
            .hasMessage("f.json: sops supports only JSON files with a top-level object (starting with '{')");
        assertThatThrownBy(() -> JsonFormat.read("{\"a\": 1,\n \"a\": 2}", "f.json")).hasMessage("f.json: duplicate key at line 2");
        assertThatThrownBy(() -> JsonFormat.read("{\"a\": \"hunter2\",\n}", "f.json"))
            .hasMessageStartingWith("f.json: invalid JSON at line 2").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> JsonFormat.read("{} {}", "f.json"))
            .hasMessageContaining("unexpected content after the top-level JSON object");
    }

    @Test
    void dotenvKeepsCommentsAndEncodesNewlines() {
        Document d = DotenvFormat.read("#c\nA=x=y\nB=l1\\nl2\n\n", "f.env");
        assertThat(d.branches().get(0).get("B")).contains(new TextValue("l1\nl2"));
        assertThat(d.branches().get(0).get("A")).contains(new TextValue("x=y"));
        assertThat(DotenvFormat.write(d)).isEqualTo("#c\nA=x=y\nB=l1\\nl2\n");
        assertThatThrownBy(() -> DotenvFormat.read("A=1\nnot a pair\n", "f.env")).hasMessage("f.env: line 2 is not KEY=value");
        assertThatThrownBy(() -> DotenvFormat.write(new Document(List.of(new MapNode(List.of(
            new Entry("M", new MapNode(List.of())))))))).hasMessageContaining("cannot use a map or list value");
    }

    @Test
    void iniSectionsBecomeMapsAndUnquotedCommentCharactersAreRefused() {
        Document d = IniFormat.read("a = 1\n[s]\nk: \"v ; w\"\n", "f.ini");
        MapNode root = d.branches().get(0);
        assertThat(root.entries().map(Entry::key)).containsExactly("DEFAULT", "s");
        assertThat(((MapNode) root.get("s").orElseThrow()).get("k")).contains(new TextValue("v ; w"));
        assertThatThrownBy(() -> IniFormat.read("[s]\npassword = p#ss\n", "f.ini"))
            .hasMessage("f.ini: value at line 2 contains # or ; which INI readers treat as a comment; quote the value");
    }
}
