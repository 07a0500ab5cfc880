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
    void aChainIsReadHopByHopAsProxyJumpWritesIt() {
        JumpRoute route = JumpRoute.parse("ops@bastion.example.org,deploy@[fd00::2]:2222,ops@inner");
        assertThat(route.hops()).containsExactly(new JumpHost("ops", "bastion.example.org", 22),
            new JumpHost("deploy", "fd00::2", 2222), new JumpHost("ops", "inner", 22));
        assertThat(route).hasToString("ops@bastion.example.org,deploy@[fd00::2]:2222,ops@inner");
        assertThat(route.last()).isEqualTo(new JumpHost("ops", "inner", 22));
        assertThat(route.before()).contains(JumpRoute.parse("ops@bastion.example.org,deploy@[fd00::2]:2222"));
        assertThat(JumpRoute.parse("ops@bastion").before()).isEmpty();
        assertThatThrownBy(() -> JumpRoute.parse("a@b,,c@d")).hasMessage("an empty jump host in \"a@b,,c@d\"");
        assertThatThrownBy(() -> JumpRoute.parse("a@b,c")).hasMessage("expected user@host or user@host:port, got \"c\"");
        assertThatThrownBy(() -> JumpRoute.parse("a@1,a@2,a@3,a@4,a@5,a@6"))
            .hasMessage("at most 5 jump hosts in a chain, got 6");
    }

    @Test
    void whatIsNotOneHopSaysWhy() {
        assertThatThrownBy(() -> JumpHost.parse("bastion.example.org"))
            .hasMessage("expected user@host or user@host:port, got \"bastion.example.org\"");
        assertThatThrownBy(() -> JumpHost.parse("a@b,c@d"))
            .hasMessage("one jump host, got \"a@b,c@d\" (a chain is a JumpRoute)");
        assertThatThrownBy(() -> JumpHost.parse("ops@bastion:99999")).hasMessage("port 99999 is not between 1 and 65535");
        assertThatThrownBy(() -> JumpHost.parse("ops@bastion:ssh"))
            .hasMessage("expected user@host or user@host:port, got \"ops@bastion:ssh\"");
    }
}
