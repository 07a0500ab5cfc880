package dev.driftless.model;

/**
 * Reads a volume in Docker's short syntax, {@code source:target[:ro|:rw]}: a named volume
 * ({@code pgdata:/var/lib/postgresql/data}) or an absolute host path
 * ({@code /srv/shop/config:/etc/shop:ro}).
 */
final class VolumeSyntax {

    static final String RULE = "write source:target[:ro], e.g. \"pgdata:/data\" or \"/srv/config:/etc/app:ro\"";

    private VolumeSyntax() {
    }

    static Parsed<VolumeMount> parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            return Parsed.bad(RULE);
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                default -> {
                    return Parsed.bad("unknown volume mode \"" + parts[2] + "\"; use ro or rw");
                }
            }
        }
        return of(parts[0], parts[1], readOnly);
    }

    static Parsed<VolumeMount> of(String source, String target, boolean readOnly) {
        if (source.startsWith("/")) {
            String bad = pathProblem(source);
            if (!bad.isEmpty()) {
                return Parsed.bad("source " + bad);
            }
        } else if (!Names.VOLUME.matcher(source).matches()) {
            return Parsed.bad(source.startsWith(".") || source.contains("/")
                ? "source \"" + source + "\" must be an absolute host path or a volume name; relative paths are not supported"
                : "volume name \"" + source + "\" may use letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (!target.startsWith("/")) {
            return Parsed.bad("target \"" + target + "\" must be an absolute path inside the container");
        }
        String bad = pathProblem(target);
        if (!bad.isEmpty()) {
            return Parsed.bad("target " + bad);
        }
        return Parsed.ok(new VolumeMount(source, target, readOnly));
    }

    private static String pathProblem(String path) {
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return "\"" + path + "\" must not contain \".\" or \"..\"";
            }
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == ',' || c == ':')) {
            return "\"" + path + "\" must not contain ',', ':' or control characters";
        }
        return "";
    }
}
