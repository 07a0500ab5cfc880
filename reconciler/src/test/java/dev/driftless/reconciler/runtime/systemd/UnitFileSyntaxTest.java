package dev.driftless.reconciler.runtime.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UnitFileSyntaxTest {

    @Test
    void execWordsAreQuotedWithDollarPercentQuoteAndBackslashEscaped() {
        assertThat(UnitFileSyntax.execWord("/usr/bin/app")).isEqualTo("\"/usr/bin/app\"");
        assertThat(UnitFileSyntax.execWord("a b")).isEqualTo("\"a b\"");
        assertThat(UnitFileSyntax.execWord("$HOME ${X}")).isEqualTo("\"$$HOME $${X}\"");
        assertThat(UnitFileSyntax.execWord("100% %n")).isEqualTo("\"100%% %%n\"");
        assertThat(UnitFileSyntax.execWord("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
        assertThat(UnitFileSyntax.execWord("it's")).isEqualTo("\"it's\"");
        assertThat(UnitFileSyntax.execWord("a\nb\tc\rd\u0001")).isEqualTo("\"a\\nb\\tc\\rd\\x01\"");
        assertThat(UnitFileSyntax.execWord("")).isEqualTo("\"\"");
        assertThat(UnitFileSyntax.execWord("日本 😀")).isEqualTo("\"日本 😀\"");
    }

    @Test
    void aLoneSemicolonIsEscapedSoItIsAnArgumentNotACommandSeparator() {
        assertThat(UnitFileSyntax.execWord(";")).isEqualTo("\\;");
        assertThat(UnitFileSyntax.execWord("a;b")).isEqualTo("\"a;b\"");
    }

    @Test
    void environmentSettingsEscapePercentButNotDollar() {
        assertThat(UnitFileSyntax.environment("GREETING", "hello $USER 100% \"x\" \\"))
            .isEqualTo("\"GREETING=hello $USER 100%% \\\"x\\\" \\\\\"");
        assertThat(UnitFileSyntax.environment("MULTI", "a\nb")).isEqualTo("\"MULTI=a\\nb\"");
    }

    @Test
    void envFileLinesAreDoubleQuotedAndRefuseLineBreaksNamingOnlyTheVariable() {
        assertThat(UnitFileSyntax.envFileLine("DB_PASSWORD", "p\"a$s`s'\\w"))
            .isEqualTo("DB_PASSWORD=\"p\\\"a$s`s'\\\\w\"");
        assertThatThrownBy(() -> UnitFileSyntax.envFileLine("TOKEN", "top\nsecret"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("TOKEN")
            .hasMessageNotContaining("top")
            .hasMessageNotContaining("secret\"");
    }

    @Test
    void nulCannotBeWritten() {
        assertThatThrownBy(() -> UnitFileSyntax.execWord("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnitFileSyntax.envFileLine("X", "a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTransientUnitsWordsAndEnvironmentEscapeOnlyWhatSystemdExpandsThere() {
        // systemd-run passes each word as it is; the manager expands $VAR (so $ is doubled) but
        // no % specifiers, and a property value is unquoted and C-unescaped once.
        assertThat(UnitFileSyntax.transientExecWord("it's $(x) $HOME 100% \"q\" ;")).isEqualTo(
            "it's $$(x) $$HOME 100% \"q\" ;");
        assertThat(UnitFileSyntax.transientEnvironment("TRICKY", "a $HOME 100%\n\"q\" \\"))
            .isEqualTo("Environment=\"TRICKY=a $HOME 100%\\n\\\"q\\\" \\\\\"");
        assertThatThrownBy(() -> UnitFileSyntax.transientExecWord("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainTextEscapesSpecifiersAndDropsControlCharacters() {
        assertThat(UnitFileSyntax.plainText("100% done\n")).isEqualTo("100%% done ");
    }
}
