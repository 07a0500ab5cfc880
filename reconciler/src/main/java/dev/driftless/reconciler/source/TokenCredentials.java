package dev.driftless.reconciler.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;

/**
 * Answers an HTTPS server's Basic-auth challenge with the token as password. The token is read
 * from its file or environment variable at each challenge (so a rotated token is picked up) and
 * is never kept in a field, logged, or put in a message; {@link #toString()} names only its source.
 * Only user name and password are supported: JGit's "trust this certificate anyway?" questions
 * are answered by not supporting them. The token is offered only to the host (and port) of the
 * configured URL, so a redirect to another host never receives it.
 */
final class TokenCredentials extends CredentialsProvider {

    /** The user name sent when the URL names none; hosts that check it want it in the URL. */
    static final String DEFAULT_USER = "git";

    private final String user;
    private final URIish origin;
    private final String source;
    private final TokenReader reader;

    @FunctionalInterface
    interface TokenReader {
        String read() throws GitSourceException;
    }

    private TokenCredentials(URIish origin, String user, String source, TokenReader reader) {
        this.origin = origin;
        this.user = user;
        this.source = source;
        this.reader = reader;
    }

    static TokenCredentials fromFile(URIish origin, String user, Path file) {
        return new TokenCredentials(origin, user, "token file " + file, () -> {
            try {
                return nonEmpty(Files.readString(file, StandardCharsets.UTF_8), "token file " + file);
            } catch (NoSuchFileException e) {
                throw misconfigured("token file " + file + " does not exist");
            } catch (IOException e) {
                throw misconfigured("cannot read token file " + file + ": " + e.getClass().getSimpleName());
            }
        });
    }

    static TokenCredentials fromEnvironment(URIish origin, String user, String variable,
                                            Function<String, Optional<String>> env) {
        return new TokenCredentials(origin, user, "environment variable " + variable, () -> nonEmpty(
            env.apply(variable).orElseThrow(() -> misconfigured("environment variable " + variable + " is not set")),
            "environment variable " + variable));
    }

    /** Reads the token once, to report a missing one at startup; the value is dropped. */
    void check() throws GitSourceException {
        reader.read();
    }

    /** The token's current value, for scrubbing messages; never for display. */
    Optional<String> currentToken() {
        try {
            return Optional.of(reader.read());
        } catch (GitSourceException e) {
            return Optional.empty();
        }
    }

    String source() {
        return source;
    }

    private static String nonEmpty(String value, String where) throws GitSourceException {
        String token = value.strip();
        if (token.isEmpty()) {
            throw misconfigured(where + " is empty");
        }
        if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
            throw misconfigured(where + " holds more than one line; it must hold only the token");
        }
        return token;
    }

    private static GitSourceException misconfigured(String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(detail));
    }

    @Override
    public boolean isInteractive() {
        return false;
    }

    @Override
    public boolean supports(CredentialItem... items) {
        for (CredentialItem item : items) {
            if (!(item instanceof CredentialItem.Username) && !(item instanceof CredentialItem.Password)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean get(URIish uri, CredentialItem... items) throws UnsupportedCredentialItem {
        if (!sameOrigin(uri)) {
            return false;
        }
        String token;
        try {
            token = reader.read();
        } catch (GitSourceException e) {
            // JGit then reports "not authorized"; the source reports the real cause from check().
            return false;
        }
        for (CredentialItem item : items) {
            switch (item) {
                case CredentialItem.Username u -> u.setValue(user);
                case CredentialItem.Password p -> p.setValue(token.toCharArray());
                default -> throw new UnsupportedCredentialItem(uri, item.getClass().getSimpleName());
            }
        }
        return true;
    }

    private boolean sameOrigin(URIish uri) {
        return uri != null && origin.getHost() != null && origin.getHost().equalsIgnoreCase(uri.getHost())
            && effectivePort(origin) == effectivePort(uri);
    }

    private static int effectivePort(URIish uri) {
        if (uri.getPort() > 0) {
            return uri.getPort();
        }
        return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }

    @Override
    public String toString() {
        return "TokenCredentials[user=" + user + ", " + source + "]";
    }
}
