package dev.driftless.model;

import java.util.regex.Pattern;

/**
 * The naming rules of the repo format. Names end up in container names, systemd unit names,
 * label keys and environment variables on real hosts, so they are restricted to characters that
 * are safe in all of those (and need no quoting in a shell).
 */
public final class Names {

    /** Services, hosts and environments: a DNS label that starts with a letter. */
    public static final Pattern NAME = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** Environment variable names, as POSIX shells accept them. */
    public static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
    /** Host and container label keys: letters, digits, '.', '_', '-' and '/', alphanumeric at both ends. */
    public static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");
    /** Docker named volumes. */
    public static final Pattern VOLUME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    /** User-defined Docker networks (Docker's rule for names, as for volumes). */
    public static final Pattern NETWORK = VOLUME;
    /** Docker's own networks: a service joins a network of its own, never these. */
    public static final java.util.Set<String> BUILT_IN_NETWORKS = java.util.Set.of("bridge", "default", "host", "none");
    /** Login names on a host. */
    public static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");
    /** Who a service runs as: a login name or numeric id, optionally {@code :} and a group name or id. */
    public static final Pattern RUN_AS = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})"
        + "(:([A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10}))?");
    /** Container label keys under this prefix are written by driftless itself. */
    public static final String RESERVED_LABEL_PREFIX = "dev.driftless.";

    /** How {@link #NAME} reads in a message. */
    static final String NAME_RULE =
        "use 1 to 63 lowercase letters, digits and '-', starting with a letter and not ending with '-'";
    static final String ENV_VAR_RULE = "use letters, digits and '_', not starting with a digit";
    static final String LABEL_KEY_RULE =
        "use up to 128 letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit";

    private Names() {
    }

    /** True when {@code name} may name a service, host or environment. */
    public static boolean isName(String name) {
        return NAME.matcher(name).matches();
    }

    public static boolean isEnvVar(String name) {
        return ENV_VAR.matcher(name).matches();
    }

    public static boolean isLabelKey(String key) {
        return LABEL_KEY.matcher(key).matches();
    }
}
