package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {

    @TempDir
    static Path dir;

    static String keyA;
    static String keyB;

    @BeforeAll
    static void keys() {
        keyA = HostKey.parse(SshKeygen.publicKey(SshKeygen.generate(dir, "a", "ed25519", ""))).toOpenSsh();
        keyB = HostKey.parse(SshKeygen.publicKey(SshKeygen.generate(dir, "b", "ecdsa", ""))).toOpenSsh();
    }

    private List<Integer> lines(KnownHosts kh, String name, int port) {
        return kh.pinsFor(List.of(name), port).stream().map(KnownHosts.Entry::line).toList();
    }

    @Test
    void plainNamesMatchOnPort22AndBracketsCarryOtherPorts() {
        KnownHosts kh = KnownHosts.parse("app-1 " + keyA + "\n[app-1]:2222 " + keyB + "\n", "kh");
        assertThat(lines(kh, "app-1", 22)).containsExactly(1);
        assertThat(lines(kh, "APP-1", 22)).containsExactly(1);
        assertThat(lines(kh, "app-1", 2222)).containsExactly(2);
        assertThat(lines(kh, "app-1", 2200)).isEmpty();
    }

    @Test
    void commaListsWildcardsAndNegationFollowOpenSsh() {
        KnownHosts kh = KnownHosts.parse(
            "app-1,10.0.0.5 " + keyA + "\n"
                + "*.prod.example,!db.prod.example " + keyB + "\n"
                + "web-? " + keyA + "\n", "kh");
        assertThat(lines(kh, "10.0.0.5", 22)).containsExactly(1);
        assertThat(lines(kh, "api.prod.example", 22)).containsExactly(2);
        assertThat(lines(kh, "db.prod.example", 22)).isEmpty();
        assertThat(lines(kh, "web-1", 22)).containsExactly(3);
        assertThat(lines(kh, "web-10", 22)).isEmpty();
    }

    @Test
    void hashedEntriesWrittenBySshKeygenMatch() throws IOException {
        Path file = dir.resolve("known_hosts");
        Files.writeString(file, "[127.0.0.1]:2222 " + keyA + "\napp-1 " + keyB + "\n");
        SshKeygen.hash(file);
        assertThat(Files.readString(file)).startsWith("|1|").doesNotContain("127.0.0.1").doesNotContain("app-1");
        KnownHosts kh = KnownHosts.load(file);
        assertThat(kh.problems()).isEmpty();
        assertThat(kh.pinsFor(List.of("127.0.0.1"), 2222)).singleElement()
            .satisfies(e -> assertThat(e.key().toOpenSsh()).isEqualTo(keyA));
        assertThat(kh.pinsFor(List.of("app-1"), 22)).singleElement()
            .satisfies(e -> assertThat(e.key().toOpenSsh()).isEqualTo(keyB));
        assertThat(kh.pinsFor(List.of("127.0.0.1"), 22)).isEmpty();
    }

    @Test
    void revokedKeysAreFoundWhateverHostTheyName() {
        KnownHosts kh = KnownHosts.parse("@revoked * " + keyA + "\napp-1 " + keyA + "\n", "kh");
        assertThat(kh.revocationOf(HostKey.parse(keyA))).get().extracting(KnownHosts.Entry::line).isEqualTo(1);
        assertThat(kh.revocationOf(HostKey.parse(keyB))).isEmpty();
        assertThat(lines(kh, "app-1", 22)).containsExactly(2);
    }

    @Test
    void unusableLinesAreReportedWithFileAndLine() {
        KnownHosts kh = KnownHosts.parse(
            "# comment\n\n"
                + "@cert-authority *.example " + keyA + "\n"
                + "app-1 ssh-ed25519\n"
                + "app-2 ssh-foo AAAA\n"
                + "@weird app-3 " + keyA + "\n"
                + "app-4 " + keyA + " trailing comment\n", "/etc/driftless/known_hosts");
        assertThat(kh.problems()).containsExactly(
            "/etc/driftless/known_hosts:4: expected '[marker] hosts keytype base64key', line ignored",
            "/etc/driftless/known_hosts:5: unsupported host key type 'ssh-foo' (expected one of [ecdsa-sha2-nistp256, "
                + "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-dss, ssh-ed25519, ssh-rsa]), line ignored",
            "/etc/driftless/known_hosts:6: unknown marker @weird, line ignored");
        assertThat(lines(kh, "app-4", 22)).containsExactly(7);
        // The CA line pins no key: it vouches for the certificates of the hosts it matches.
        assertThat(lines(kh, "db.example", 22)).isEmpty();
        assertThat(kh.authoritiesFor(List.of("db.example"), 22)).extracting(KnownHosts.Entry::line).containsExactly(3);
        assertThat(kh.authoritiesFor(List.of("db.example"), 2222)).isEmpty();
        assertThat(kh.authoritiesFor(List.of("app-4"), 22)).isEmpty();
    }

    @Test
    void aMissingFilePinsNothingAndSaysSo() throws IOException {
        KnownHosts kh = KnownHosts.load(dir.resolve("nope"));
        assertThat(kh.entries()).isEmpty();
        assertThat(kh.problems()).singleElement().asString().contains("no such file");
    }
}
