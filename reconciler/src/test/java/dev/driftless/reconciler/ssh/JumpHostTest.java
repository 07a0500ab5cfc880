package dev.driftless.reconciler.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code ssh.jump} as OpenSSH's ProxyJump writes one hop: {@code user@host[:port]}. */
class JumpHostTest {

    @Test
    void userHostAndPortAreRead() {
        assertThat(JumpHost.parse("deploy@bastion.example.org")).isEqualTo(new JumpHost("deploy", "bastion.example.org",
            22));
        assertThat(JumpHost.parse("ops@10.0.0.2:2222")).isEqualTo(new JumpHost("ops", "10.0.0.2", 2222));
        assertThat(JumpHost.parse("ops@[2001:db8::2]:2222")).isEqualTo(new JumpHost("ops", "2001:db8::2", 2222));
        assertThat(JumpHost.parse("ops@[2001:db8::2]:2222")).hasToString("ops@[2001:db8::2]:2222");
        assertThat(JumpHost.parse("ops@bastion")).hasToString("ops@bastion");
        assertThat(JumpHost.parse("ops@bastion:2222").target())
            .isEqualTo(new HostTarget("bastion", "bastion", 2222, "ops", java.util.Optional.empty()));
    }

    @Test
    void whatIsNotOneHopSaysWhy() {
        assertThatThrownBy(() -> JumpHost.parse("bastion.example.org"))
            .hasMessage("expected user@host or user@host:port, got \"bastion.example.org\"");
        assertThatThrownBy(() -> JumpHost.parse("a@b,c@d"))
            .hasMessage("one jump host only, got \"a@b,c@d\" (chains of jump hosts are not supported)");
        assertThatThrownBy(() -> JumpHost.parse("ops@bastion:99999")).hasMessage("port 99999 is not between 1 and 65535");
        assertThatThrownBy(() -> JumpHost.parse("ops@bastion:ssh"))
            .hasMessage("expected user@host or user@host:port, got \"ops@bastion:ssh\"");
    }
}
