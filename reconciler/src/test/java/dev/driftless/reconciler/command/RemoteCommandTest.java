package dev.driftless.reconciler.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteCommandTest {

    @Test
    void aRightHandChainIsBracedWhenFlatteningWouldRegroupIt() {
        // Found by ShellRoundTripTest (seed 4894026139098): a || (b && c || d) written flat is
        // ((a || b) && c) || d to sh.
        RemoteCommand a = RemoteCommand.of("a");
        RemoteCommand b = RemoteCommand.of("b");
        RemoteCommand c = RemoteCommand.of("c");
        RemoteCommand d = RemoteCommand.of("d");
        assertThat(a.or(b.and(c).or(d)).render()).isEqualTo("a || { b && c || d; }");
        assertThat(a.or(b.or(c)).render()).isEqualTo("a || b || c");
        assertThat(a.and(b.and(c).and(d)).render()).isEqualTo("a && b && c && d");
    }

    @Test
    void safeWordsStayBare() {
        assertThat(RemoteCommand.of("docker", "ps", "--filter", "label=dev.driftless.managed=true", "/a/b.c", "x@y:1,2%+")
            .render()).isEqualTo("docker ps --filter label=dev.driftless.managed=true /a/b.c x@y:1,2%+");
    }

    @Test
    void anythingElseIsSingleQuoted() {
        assertThat(RemoteCommand.of("echo", "a b", "$(touch /tmp/pwned)", "`id`", "~", "*", "#x", "a;b", "").render())
            .isEqualTo("echo 'a b' '$(touch /tmp/pwned)' '`id`' '~' '*' '#x' 'a;b' ''");
    }

    @Test
    void singleQuotesAreClosedEscapedAndReopened() {
        assertThat(RemoteCommand.of("echo", "it's", "'", "''").render())
            .isEqualTo("echo 'it'\\''s' ''\\''' ''\\'''\\'''");
    }

    @Test
    void newlinesStayInsideQuotes() {
        assertThat(RemoteCommand.of("printf", "%s", "a\nb").render()).isEqualTo("printf %s 'a\nb'");
    }

    @Test
    void unicodeIsQuotedNotEscaped() {
        assertThat(RemoteCommand.of("echo", "grüße", "日本").render()).isEqualTo("echo 'grüße' '日本'");
    }

    @Test
    void aCommandNameThatShWouldReadAsSyntaxIsQuoted() {
        assertThat(RemoteCommand.of("if", "x").render()).isEqualTo("'if' x");
        assertThat(RemoteCommand.of("A=B", "x").render()).isEqualTo("'A=B' x");
        assertThat(RemoteCommand.of("echo", "if", "A=B").render()).isEqualTo("echo if A=B");
    }

    @Test
    void nulAndUnpairedSurrogatesAreRefused() {
        assertThatThrownBy(() -> RemoteCommand.of("echo", "a\0b"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> RemoteCommand.of("echo", "\uD800x"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> RemoteCommand.of("echo", "x\uDC00"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        assertThat(RemoteCommand.of("echo", "\uD83D\uDE00").render()).isEqualTo("echo '\uD83D\uDE00'");
    }

    @Test
    void anEmptyArgvIsRefused() {
        assertThatThrownBy(() -> RemoteCommand.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void operatorsRenderWithSpaces() {
        RemoteCommand a = RemoteCommand.of("a");
        RemoteCommand b = RemoteCommand.of("b");
        assertThat(a.and(b).render()).isEqualTo("a && b");
        assertThat(a.or(b).render()).isEqualTo("a || b");
        assertThat(a.pipe(b).render()).isEqualTo("a | b");
        assertThat(a.then(b).render()).isEqualTo("a; b");
    }

    @Test
    void chainsOfTheSameOperatorNeedNoBraces() {
        RemoteCommand a = RemoteCommand.of("a");
        RemoteCommand b = RemoteCommand.of("b");
        RemoteCommand c = RemoteCommand.of("c");
        assertThat(a.and(b).and(c).render()).isEqualTo("a && b && c");
        assertThat(a.and(b.and(c)).render()).isEqualTo("a && b && c");
        assertThat(a.pipe(b.pipe(c)).render()).isEqualTo("a | b | c");
        assertThat(a.then(b.then(c)).render()).isEqualTo("a; b; c");
    }

    @Test
    void looserOperandsAreGroupedSoShParsesWhatWasBuilt() {
        RemoteCommand a = RemoteCommand.of("a");
        RemoteCommand b = RemoteCommand.of("b");
        RemoteCommand c = RemoteCommand.of("c");
        assertThat(a.and(b.or(c)).render()).isEqualTo("a && { b || c; }");
        assertThat(a.or(b.and(c)).render()).isEqualTo("a || { b && c; }");
        assertThat(a.and(b).or(c).render()).isEqualTo("a && b || c");
        assertThat(a.and(b).pipe(c).render()).isEqualTo("{ a && b; } | c");
        assertThat(a.pipe(b).and(c).render()).isEqualTo("a | b && c");
        assertThat(a.then(b).and(c).render()).isEqualTo("{ a; b; } && c");
        assertThat(a.or(b.then(c)).render()).isEqualTo("a || { b; c; }");
    }

    @Test
    void redirectionsQuoteTheirTargets() {
        assertThat(RemoteCommand.of("cat").stdinFrom("my file").render()).isEqualTo("cat < 'my file'");
        assertThat(RemoteCommand.of("cat").stdoutTo("/tmp/x").render()).isEqualTo("cat > /tmp/x");
        assertThat(RemoteCommand.of("cat").stderrTo("/dev/null").render()).isEqualTo("cat 2> /dev/null");
        assertThat(RemoteCommand.of("cat").stderrToStdout().render()).isEqualTo("cat 2>&1");
        assertThat(RemoteCommand.of("cat").stdoutTo("/dev/null").stderrToStdout().render())
            .isEqualTo("cat > /dev/null 2>&1");
    }

    @Test
    void aRedirectedChainIsGroupedFirst() {
        assertThat(RemoteCommand.of("a").and(RemoteCommand.of("b")).stdoutTo("out").render())
            .isEqualTo("{ a && b; } > out");
    }

    @Test
    void argvCanBeExtendedWithoutChangingTheOriginal() {
        RemoteCommand.Argv docker = RemoteCommand.of("docker");
        assertThat(docker.with("ps", "-a").render()).isEqualTo("docker ps -a");
        assertThat(docker.withAll(List.of("x y")).render()).isEqualTo("docker 'x y'");
        assertThat(docker.render()).isEqualTo("docker");
    }

    @Test
    void commandsAreValuesComparedByContent() {
        assertThat(RemoteCommand.of("a", "b").and(RemoteCommand.of("c")))
            .isEqualTo(RemoteCommand.of("a", "b").and(RemoteCommand.of("c")));
        assertThat(RemoteCommand.of("a", "b").toString()).isEqualTo("a b");
    }

    @Test
    void theBuilderAddsWordsInOrder() {
        assertThat(RemoteCommand.builder("docker").add("run").addIf(false, "--rm").addIf(true, "-d")
            .addAll(List.of("img", "a b")).build().render()).isEqualTo("docker run -d img 'a b'");
    }
}
