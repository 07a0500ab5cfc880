package dev.driftless.reconciler.history;

import java.util.Properties;

/**
 * Quartz configuration for daemons clustered on the PostgreSQL history database: a JDBC job
 * store whose row locks let only one daemon of an environment run a job at a time, and which
 * hands a dead daemon's jobs to a live one.
 */
final class QuartzClusterProperties {

    static final String DATA_SOURCE = "driftlessHistory";
    private static final String DS = "org.quartz.dataSource." + DATA_SOURCE + ".";
    /** Quartz wants a worker thread's connection plus a few for cluster check-in and misfires. */
    private static final int THREADS = 2;
    private static final int CONNECTIONS = THREADS + 3;

    private QuartzClusterProperties() {
    }

    /** The Quartz scheduler name every daemon of {@code environment} shares. */
    static String schedulerName(String environment) {
        return "driftless-" + environment;
    }

    static Properties of(HistorySettings settings, String environment) {
        String url = HistoryDatabase.url(settings);
        if (HistoryDatabase.Kind.of(url) != HistoryDatabase.Kind.POSTGRESQL) {
            throw new IllegalArgumentException("Quartz clustering needs the history in PostgreSQL, not "
                + HistoryDatabase.display(url) + "; a daemon on H2 runs alone with an in-memory scheduler");
        }
        if (environment.isBlank()) {
            throw new IllegalArgumentException("environment must not be blank");
        }
        Properties p = new Properties();
        // Same name on every daemon of an environment: that is what makes them one cluster.
        p.setProperty("org.quartz.scheduler.instanceName", schedulerName(environment));
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(THREADS));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "15000");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        // Job data as strings only: no Java serialization in a shared database.
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        // Our provider reads the password file itself, so the password is never a Quartz property.
        p.setProperty(DS + "connectionProvider.class", QuartzConnectionProvider.class.getName());
        p.setProperty(DS + "url", url);
        settings.user().ifPresent(user -> p.setProperty(DS + "user", user));
        settings.passwordFile().ifPresent(file -> p.setProperty(DS + "passwordFile", file.toString()));
        p.setProperty(DS + "maxConnections", Integer.toString(CONNECTIONS));
        return p;
    }
}
