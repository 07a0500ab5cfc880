package dev.driftless.reconciler.ssh;

import java.util.List;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.common.Factory;

/**
 * The one sshj configuration every connection shares. {@code new SSHClient()} builds a fresh
 * {@link DefaultConfig} each time — it instantiates and test-initialises every cipher and seeds a
 * new SecureRandom — which costs far more than the connection itself (see docs/ssh.md for the
 * measured figures). Built once, read-only afterwards.
 */
final class SharedSshConfig {

    /** Algorithms left out of the proposal: broken or long-deprecated, and never needed by a current sshd. */
    private static final List<String> WEAK = List.of(
        "arcfour", "blowfish", "cast128", "3des", "idea", "serpent", "twofish", "-cbc",
        "md5", "ripemd", "-96", "group1-sha1", "ssh-dss", "dss-cert");

    private SharedSshConfig() {
    }

    private static final class Holder {
        static final Config CONFIG = build();
    }

    static Config get() {
        return Holder.CONFIG;
    }

    private static Config build() {
        DefaultConfig config = new DefaultConfig();
        config.setLoggerFactory(new SshjLogging());
        // Keep-alives are not sshj's (a thread per connection) but the pool's: see KeepAlives.
        config.setCipherFactories(strong(config.getCipherFactories()));
        config.setMACFactories(strong(config.getMACFactories()));
        config.setKeyExchangeFactories(strong(config.getKeyExchangeFactories()));
        config.setKeyAlgorithms(strong(config.getKeyAlgorithms()));
        // A host certificate is checked by the host key verifier (HostKeyPolicy.checkCertificate):
        // its CA against known_hosts, its CA signature, validity and principals, so a refusal says
        // which and is a host-key failure, not an unreachable host.
        config.setVerifyHostKeyCertificates(false);
        return config;
    }

    private static <T> List<Factory.Named<T>> strong(List<Factory.Named<T>> factories) {
        return factories.stream()
            .filter(f -> WEAK.stream().noneMatch(w -> f.getName().contains(w)))
            .toList();
    }
}
