package dev.driftless.reconciler.ssh;

import com.hierynomus.sshj.key.KeyAlgorithm;
import com.hierynomus.sshj.key.KeyAlgorithms;
import java.util.ArrayList;
import java.util.List;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.signature.Signature;
import net.schmizz.sshj.signature.SignatureRSA;

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
        config.setKeyAlgorithms(withRsaSha2Certificates(strong(config.getKeyAlgorithms())));
        // A host certificate is checked by the host key verifier (HostKeyPolicy.checkCertificate):
        // its CA against known_hosts, its CA signature, validity and principals, so a refusal says
        // which and is a host-key failure, not an unreachable host.
        config.setVerifyHostKeyCertificates(false);
        return config;
    }

    /**
     * sshj knows RSA host certificates only with SHA-1 signatures ({@code ssh-rsa-cert-v01}), which
     * OpenSSH no longer offers by default; its RSA signature class verifies with a certificate's
     * key when told the key type, so {@code rsa-sha2-512-cert-v01} and {@code rsa-sha2-256-cert-v01}
     * are that class with SHA-2 (RFC 8332 names the signature inside, as for plain RSA keys).
     * They go before the plain RSA algorithms, as OpenSSH orders them.
     */
    static List<Factory.Named<KeyAlgorithm>> withRsaSha2Certificates(List<Factory.Named<KeyAlgorithm>> algorithms) {
        List<Factory.Named<KeyAlgorithm>> out = new ArrayList<>();
        boolean added = false;
        for (Factory.Named<KeyAlgorithm> f : algorithms) {
            if (!added && f.getName().startsWith("rsa-sha2-")) {
                out.add(rsaCertificate(RSA_SHA512_CERT, "SHA512withRSA", "rsa-sha2-512"));
                out.add(rsaCertificate(RSA_SHA256_CERT, "SHA256withRSA", "rsa-sha2-256"));
                added = true;
            }
            out.add(f);
        }
        return List.copyOf(out);
    }

    static final String RSA_SHA512_CERT = "rsa-sha2-512-cert-v01@openssh.com";
    static final String RSA_SHA256_CERT = "rsa-sha2-256-cert-v01@openssh.com";

    private static Factory.Named<KeyAlgorithm> rsaCertificate(String algorithm, String jca, String signatureName) {
        return new KeyAlgorithms.Factory(algorithm, new Factory.Named<Signature>() {
            @Override
            public Signature create() {
                return new SignatureRSA(jca, KeyType.RSA_CERT, signatureName);
            }

            @Override
            public String getName() {
                return signatureName;
            }
        }, KeyType.RSA_CERT);
    }

    private static <T> List<Factory.Named<T>> strong(List<Factory.Named<T>> factories) {
        return factories.stream()
            .filter(f -> WEAK.stream().noneMatch(w -> f.getName().contains(w)))
            .toList();
    }
}
