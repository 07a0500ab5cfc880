package dev.driftless.reconciler.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** Switches logging to JSON lines on stderr ({@code --log-format json}) for log shippers. */
final class Logging {

    private Logging() {
    }

    static void useJson() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL config = Logging.class.getResource("/logback-json.xml");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        context.reset();
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure JSON logging: " + e.getMessage(), e);
        }
    }
}
