package dev.driftless.reconciler.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class QuartzClusterPropertiesTest {

    @Test
    void clusteredJdbcJobStoreOnTheHistoryDatabase() {
        Properties p = HistoryStore.quartzProperties(new HistorySettings(
            Optional.of("jdbc:postgresql://db:5432/driftless"), Path.of("/var/lib/driftless"),
            Optional.of("driftless"), Optional.of(Path.of("/etc/driftless/db.password"))), "prod");

        assertThat(p.getProperty("org.quartz.scheduler.instanceName")).isEqualTo("driftless-prod");
        assertThat(p.getProperty("org.quartz.scheduler.instanceId")).isEqualTo("AUTO");
        assertThat(p.getProperty("org.quartz.jobStore.class")).isEqualTo("org.quartz.impl.jdbcjobstore.JobStoreTX");
        assertThat(p.getProperty("org.quartz.jobStore.driverDelegateClass"))
            .isEqualTo("org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        assertThat(p.getProperty("org.quartz.jobStore.isClustered")).isEqualTo("true");
        assertThat(p.getProperty("org.quartz.jobStore.dataSource")).isEqualTo("driftlessHistory");
        assertThat(p.getProperty("org.quartz.dataSource.driftlessHistory.connectionProvider.class"))
            .isEqualTo(QuartzConnectionProvider.class.getName());
        assertThat(p.getProperty("org.quartz.dataSource.driftlessHistory.url"))
            .isEqualTo("jdbc:postgresql://db:5432/driftless");
        assertThat(p.getProperty("org.quartz.dataSource.driftlessHistory.user")).isEqualTo("driftless");
        assertThat(p.getProperty("org.quartz.dataSource.driftlessHistory.passwordFile"))
            .isEqualTo("/etc/driftless/db.password");
        assertThat(p.stringPropertyNames()).noneMatch(n -> n.toLowerCase().endsWith(".password"));
    }
}
