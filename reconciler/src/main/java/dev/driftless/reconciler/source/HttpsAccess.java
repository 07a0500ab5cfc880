package dev.driftless.reconciler.source;

import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory2;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * HTTP(S) for the git source: certificates are always verified, against the configured CA file
 * or else the JDK's trust store (a {@code http.sslVerify=false} in some gitconfig does not switch
 * that off), and the token, if any, is offered as the Basic-auth password when the server asks.
 */
final class HttpsAccess {

    private final TrustManager[] trust;
    private final Optional<CredentialsProvider> credentials;

    private HttpsAccess(TrustManager[] trust, Optional<CredentialsProvider> credentials) {
        this.trust = trust;
        this.credentials = credentials;
    }

    static HttpsAccess create(Optional<Path> caFile, Optional<TokenCredentials> token) throws GitSourceException {
        return new HttpsAccess(trustManagers(caFile), token.map(t -> t));
    }

    void configure(TransportHttp transport) {
        transport.setHttpConnectionFactory(new VerifyingFactory(trust));
        credentials.ifPresent(transport::setCredentialsProvider);
    }

    private static TrustManager[] trustManagers(Optional<Path> caFile) throws GitSourceException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile.isEmpty()) {
                tmf.init((KeyStore) null);
                return tmf.getTrustManagers();
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            Collection<? extends Certificate> certificates;
            try (InputStream in = Files.newInputStream(caFile.get())) {
                certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certificates.isEmpty()) {
                throw caProblem(caFile.get(), "it holds no PEM certificate");
            }
            int i = 0;
            for (Certificate c : certificates) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (NoSuchFileException e) {
            throw caProblem(caFile.orElseThrow(), "no such file");
        } catch (IOException | GeneralSecurityException e) {
            throw caProblem(caFile.orElse(Path.of("(JDK trust store)")), e.getMessage());
        }
    }

    private static GitSourceException caProblem(Path file, String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(
            "cannot load CA certificates from " + file + ": " + detail));
    }

    /** JDK connections whose TLS trust is ours, whatever JGit's sslVerify says. */
    private record VerifyingFactory(TrustManager[] trust) implements HttpConnectionFactory2 {

        private static final JDKHttpConnectionFactory JDK = new JDKHttpConnectionFactory();

        @Override
        public HttpConnection create(URL url) throws IOException {
            return JDK.create(url);
        }

        @Override
        public HttpConnection create(URL url, Proxy proxy) throws IOException {
            return JDK.create(url, proxy);
        }

        @Override
        public GitSession newSession() {
            return new GitSession() {
                @Override
                public HttpConnection configure(HttpConnection connection, boolean sslVerify)
                        throws GeneralSecurityException {
                    if ("https".equals(connection.getURL().getProtocol())) {
                        connection.configure(null, trust, null);
                    }
                    return connection;
                }

                @Override
                public void close() {
                    // nothing held per session
                }
            };
        }
    }
}
