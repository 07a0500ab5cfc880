package dev.driftless.reconciler.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** Reports the version Maven stamped into the jar. */
public final class VersionProvider implements CommandLine.IVersionProvider {

    /** The driftless version, e.g. {@code 0.1.0}. */
    public static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(
                "/dev/driftless/reconciler/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"driftless " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
