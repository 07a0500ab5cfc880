package dev.driftless.reconciler.source;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jgit.transport.URIish;

/**
 * A repository location as the git source understands it: which transport it needs and how it is
 * shown in messages (never with a password).
 *
 * @param kind      the transport the URL selects
 * @param uri       what JGit connects to
 * @param display   the URL as messages show it: no password, a local path made absolute
 */
public record RepoUrl(Kind kind, URIish uri, String display) {

    /** The transports driftless supports. */
    public enum Kind {
        /** {@code ssh://[user@]host[:port]/path} or scp-like {@code [user@]host:path}. */
        SSH,
        /** {@code https://host[:port]/path}: token auth, optional private CA. */
        HTTPS,
        /** {@code http://host[:port]/path}: anonymous only, for tests and mirrors on trusted networks. */
        HTTP,
        /** {@code file:///path} or a plain directory (work tree or bare repository). */
        LOCAL
    }

    @Override
    public String toString() {
        return display;
    }

    public Optional<String> user() {
        return Optional.ofNullable(uri.getUser()).filter(u -> !u.isEmpty());
    }

    public Optional<String> host() {
        return Optional.ofNullable(uri.getHost()).filter(h -> !h.isEmpty());
    }

    /**
     * Parses a repository URL. Refuses a URL that embeds a password (credentials belong in a file
     * or an environment variable, not in configuration) and transports without authentication of
     * the server ({@code git://}).
     */
    public static RepoUrl parse(String url) throws GitSourceException {
        if (url == null || url.isBlank()) {
            throw misconfigured("the repository URL is empty");
        }
        String trimmed = url.strip();
        URIish uri;
        try {
            uri = new URIish(trimmed);
        } catch (URISyntaxException e) {
            // The message of URISyntaxException quotes the input, which may hold a password.
            throw misconfigured("cannot parse the repository URL " + withoutUserInfo(trimmed));
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getPass() != null && !uri.getPass().isEmpty()) {
            throw misconfigured("the repository URL " + uri.setPass(null)
                + " contains a password; put the token in a file (token-file) or an environment variable (token-env)");
        }
        Kind kind;
        if (scheme == null) {
            kind = uri.getHost() != null && !uri.getHost().isEmpty() ? Kind.SSH : Kind.LOCAL;
        } else {
            kind = switch (scheme) {
                case "ssh", "ssh+git", "git+ssh" -> Kind.SSH;
                case "https" -> Kind.HTTPS;
                case "http" -> Kind.HTTP;
                case "file" -> Kind.LOCAL;
                case "git" -> throw misconfigured("git:// (" + uri + ") neither authenticates the server nor"
                    + " protects the content; use ssh:// or https://");
                default -> throw misconfigured("unsupported repository URL scheme " + scheme + " in " + uri
                    + "; use ssh://, user@host:path, https:// or a local path");
            };
        }
        if (kind == Kind.LOCAL) {
            Path path = Path.of(uri.getPath()).toAbsolutePath().normalize();
            return new RepoUrl(kind, new URIish().setPath(path.toString()), path.toString());
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw misconfigured("the repository URL " + uri + " names no host");
        }
        if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            throw misconfigured("the repository URL " + uri + " names no repository path");
        }
        if (kind == Kind.SSH && uri.getScheme() != null) {
            uri = uri.setScheme("ssh");
        }
        return new RepoUrl(kind, uri, uri.toString());
    }

    private static String withoutUserInfo(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int scheme = url.indexOf("://");
        return (scheme >= 0 && scheme < at ? url.substring(0, scheme + 3) : "") + "…@" + url.substring(at + 1);
    }

    private static GitSourceException misconfigured(String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(detail));
    }
}
