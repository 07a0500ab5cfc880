package dev.driftless.model;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Healthy when {@code GET <scheme>://<instance>:<port><path>} answers with a 2xx or 3xx status.
 *
 * @param scheme  {@code http} or {@code https} (the server's certificate is not verified: the probe
 *                reaches the instance by an address no certificate names)
 * @param headers request headers to send, e.g. {@code Host} for a server that routes by name
 */
public record HttpProbe(int port, String path, String scheme, SortedMap<String, String> headers) implements Probe {

    /** A header name: an HTTP token (RFC 9110). */
    public static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");
    /** Header values curl would not send as written, or that would end the header. */
    private static final Pattern HEADER_VALUE_BAD = Pattern.compile("[\\x00-\\x08\\x0a-\\x1f\\x7f]");

    public HttpProbe {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(scheme, "scheme");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with /");
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme must be http or https");
        }
        headers = Immutables.sortedMap(headers);
        headers.forEach((name, value) -> {
            if (!HEADER_NAME.matcher(name).matches() || !validValue(value)) {
                throw new IllegalArgumentException("header " + name + " is not a valid HTTP header");
            }
        });
    }

    /** {@code GET http://…} without headers. */
    public HttpProbe(int port, String path) {
        this(port, path, "http", new TreeMap<>());
    }

    /** True for a value that fits on one header line: no line breaks or other control characters but tab. */
    public static boolean validValue(String value) {
        return value.length() <= 4096 && !HEADER_VALUE_BAD.matcher(value).find();
    }

    @Override
    public String describe() {
        return scheme + " :" + port + path;
    }
}
