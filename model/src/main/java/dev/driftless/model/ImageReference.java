package dev.driftless.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a container image reference against Docker's grammar
 * ({@code [registry[:port]/]path[:tag][@digest]}) and the format's own rule that the version is
 * written down: without a tag or digest a new push to {@code :latest} would change what runs
 * without a commit, which is exactly the drift driftless exists to prevent.
 */
final class ImageReference {

    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|-+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE = Pattern.compile(
        "((?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*)(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");

    private static final Pattern REGISTRY = Pattern.compile(DOMAIN);

    /** The registry of images written without one. */
    static final String DOCKER_HUB = "docker.io";

    private ImageReference() {
    }

    /** True when {@code name} can be the registry part of an image reference ({@code registry.internal:5000}). */
    static boolean isRegistry(String name) {
        return REGISTRY.matcher(name).matches();
    }

    /**
     * The registry {@code image} is pulled from: its first path component when that names a host
     * (it has a dot or a port, or is {@code localhost}), else Docker Hub ({@code docker.io}).
     */
    static String registryOf(String image) {
        int slash = image.indexOf('/');
        if (slash > 0) {
            String first = image.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                return first;
            }
        }
        return DOCKER_HUB;
    }

    /**
     * The repository of a reference ({@code registry:5000/shop/api} of
     * {@code registry:5000/shop/api:1.4.2}); empty when {@code image} does not follow Docker's grammar.
     */
    static Optional<String> repositoryOf(String image) {
        Matcher m = REFERENCE.matcher(image);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Why {@code image} is not acceptable, or empty when it is. */
    static Optional<String> problem(String image) {
        Matcher m = REFERENCE.matcher(image);
        if (!m.matches() || m.group(1).length() > 255) {
            String lower = image.toLowerCase(java.util.Locale.ROOT);
            if (!lower.equals(image) && REFERENCE.matcher(lowerPath(image)).matches()) {
                return Optional.of("image \"" + image + "\": a repository name must be lowercase");
            }
            if (image.contains("://")) {
                return Optional.of("image \"" + image + "\": write a reference like registry:5000/shop/api:1.0.0, without a scheme");
            }
            return Optional.of("image \"" + image + "\" is not a valid image reference; write e.g. registry:5000/shop/api:1.0.0");
        }
        if (m.group(2) == null && m.group(3) == null) {
            return Optional.of("image \"" + image + "\" has no tag: write the version to run, e.g. " + image
                + ":1.0.0 (an implicit :latest would change without a commit)");
        }
        return Optional.empty();
    }

    /** The reference with its path (not its registry or tag) lower-cased, to tell "uppercase" apart from "garbage". */
    private static String lowerPath(String image) {
        int slash = image.indexOf('/');
        String registry = slash > 0 && (image.substring(0, slash).contains(".") || image.substring(0, slash).contains(":"))
            ? image.substring(0, slash + 1) : "";
        String rest = image.substring(registry.length());
        int colon = rest.lastIndexOf(':');
        String path = colon > 0 ? rest.substring(0, colon) : rest;
        return registry + path.toLowerCase(java.util.Locale.ROOT) + (colon > 0 ? rest.substring(colon) : "");
    }
}
