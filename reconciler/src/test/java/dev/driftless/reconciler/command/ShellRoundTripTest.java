package dev.driftless.reconciler.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property tests: random words full of shell metacharacters, quotes, newlines and unicode go
 * through {@link RemoteCommand#render()} and a real {@code /bin/sh -c} on this machine, and come
 * out unchanged; random trees of operators run exactly the commands sh's grammar says they should.
 * The seed is printed on failure; {@code -Ddriftless.seed=N} replays it.
 */
class ShellRoundTripTest {

    private static final String METACHARACTERS = "'\"$\\`;|&<>(){}*?!~#\n\t =%-[]^";
    private static final String[] UNICODE = {"é", "ß", "日本", "😀", "\u0301", "\u200B", "ש", "Ω", "\u00A0"};

    private final long seed = Long.getLong("driftless.seed", System.nanoTime());
    private final Random random = new Random(seed);

    @TempDir
    Path tmp;

    @Test
    void randomWordsSurviveTheRoundTripThroughSh() throws Exception {
        for (int batch = 0; batch < 60; batch++) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                words.add(randomWord());
            }
            RemoteCommand printf = RemoteCommand.of("printf", "%s\\0").withAll(words);
            Result r = sh(printf.render());
            assertThat(r.exit).as("exit of %s (seed %d)", printf.render(), seed).isZero();
            assertThat(splitNul(r.out)).as("seed %d", seed).containsExactlyElementsOf(words);
        }
    }

    @Test
    void nastyFixedWordsSurviveTheRoundTripThroughSh() throws Exception {
        List<String> words = List.of("$(touch /tmp/pwned)", "; rm -rf ~", "`id`", "'", "''", "\"", "\\", "\\'",
            "a\nb", "\n", "", " ", "$HOME", "${HOME}", "*", "~root", "#", "!", "!!", "-n", "--", "a=b", "\t",
            "日本語 テキスト", "😀'😀", "'$(echo \"x\")'");
        Result r = sh(RemoteCommand.of("printf", "%s\\0").withAll(words).render());
        assertThat(splitNul(r.out)).containsExactlyElementsOf(words);
        assertThat(Path.of("/tmp/pwned")).doesNotExist();
    }

    @Test
    void randomCommandTreesRunWhatShWouldRun() throws Exception {
        for (int i = 0; i < 150; i++) {
            Node tree = randomTree(3);
            Result r = sh(tree.command.render());
            Expected e = tree.expected;
            assertThat(r.exit).as("exit of %s (seed %d)", tree.command.render(), seed).isEqualTo(e.exit);
            assertThat(r.out).as("output of %s (seed %d)", tree.command.render(), seed).isEqualTo(e.out);
        }
    }

    @Test
    void redirectionsReachFilesWithOddNames() throws Exception {
        for (int i = 0; i < 20; i++) {
            String name = randomWord().replace("/", "_").replace("\0", "");
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                continue;
            }
            Path file = tmp.resolve("f" + name);
            String content = randomWord();
            Result write = sh(RemoteCommand.of("printf", "%s", content).stdoutTo(file.toString()).render());
            assertThat(write.exit).as("seed %d", seed).isZero();
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).as("seed %d", seed).isEqualTo(content);
            Result read = sh(RemoteCommand.of("cat").stdinFrom(file.toString()).render());
            assertThat(read.out).as("seed %d", seed).isEqualTo(content);
        }
    }

    @Test
    void aReservedWordAsProgramIsRunAsACommandNotParsedAsSyntax() throws Exception {
        Result r = sh(RemoteCommand.of("if", "true").render());
        assertThat(r.exit).isEqualTo(127); // "not found", where bare `if true` would be a syntax error (2)
        Result assignment = sh(RemoteCommand.of("X=1", "true").render());
        assertThat(assignment.exit).isEqualTo(127);
    }

    @Test
    void atomicWriteCreatesAPrivateFileFromStdin() throws Exception {
        Path target = tmp.resolve("sub dir/$(x)/secret.env");
        RemoteCommand write = RemoteFiles.atomicWrite(target.toString(), 0600, "t1");
        byte[] content = "A=1\nB='two'\n".getBytes(StandardCharsets.UTF_8);
        Result r = sh(write.render(), content);
        assertThat(r.exit).as(r.err).isZero();
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
        assertThat(Files.getPosixFilePermissions(target)).extracting(Object::toString)
            .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(Files.getPosixFilePermissions(target.getParent())).extracting(Object::toString)
            .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
        try (var left = Files.list(target.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("secret.env");
        }
        Result read = sh(RemoteFiles.read(target.toString()).render());
        assertThat(java.util.Base64.getMimeDecoder().decode(read.out.strip())).isEqualTo(content);
        assertThat(sh(RemoteFiles.read(tmp.resolve("missing/file").toString()).render()))
            .satisfies(m -> {
                assertThat(m.exit).isEqualTo(1);
                assertThat(m.err).isEmpty();
            });
    }

    private String randomWord() {
        int len = random.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            switch (random.nextInt(4)) {
                case 0 -> sb.append(METACHARACTERS.charAt(random.nextInt(METACHARACTERS.length())));
                case 1 -> sb.append(UNICODE[random.nextInt(UNICODE.length)]);
                case 2 -> sb.append((char) ('a' + random.nextInt(26)));
                default -> sb.appendCodePoint(0x20 + random.nextInt(0x5F)); // any printable ASCII
            }
        }
        return sb.toString();
    }

    private record Expected(String out, int exit) {
    }

    private record Node(RemoteCommand command, Expected expected) {
    }

    /** A random tree whose expected output and exit code follow sh's semantics, computed here. */
    private Node randomTree(int depth) {
        if (depth == 0 || random.nextInt(3) == 0) {
            if (random.nextInt(4) == 0) {
                return new Node(RemoteCommand.of("false"), new Expected("", 1));
            }
            String w = randomWord();
            return new Node(RemoteCommand.of("printf", "%s|", w), new Expected(w + "|", 0));
        }
        Node l = randomTree(depth - 1);
        Node r = randomTree(depth - 1);
        return switch (random.nextInt(4)) {
            case 0 -> new Node(l.command.and(r.command), l.expected.exit == 0
                ? new Expected(l.expected.out + r.expected.out, r.expected.exit) : l.expected);
            case 1 -> new Node(l.command.or(r.command), l.expected.exit != 0
                ? new Expected(l.expected.out + r.expected.out, r.expected.exit) : l.expected);
            case 2 -> new Node(l.command.then(r.command),
                new Expected(l.expected.out + r.expected.out, r.expected.exit));
            // Neither printf nor false reads stdin: a pipe shows only its right side.
            default -> new Node(l.command.pipe(r.command), r.expected);
        };
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result sh(String commandLine) throws IOException, InterruptedException {
        return sh(commandLine, new byte[0]);
    }

    private static Result sh(String commandLine, byte[] stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", commandLine).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        }
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("sh did not finish: " + commandLine);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static List<String> splitNul(String out) {
        if (out.isEmpty()) {
            return List.of();
        }
        List<String> parts = new ArrayList<>(Arrays.asList(out.split("\0", -1)));
        parts.remove(parts.size() - 1); // printf terminates every word with NUL
        return parts;
    }
}
