package dev.driftless.reconciler.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.quartz.utils.ConnectionProvider;

/**
 * The clustered Quartz job store's connections to the history database: a small HikariCP pool
 * built from the same URL, user and password file as the history store. Quartz creates it by
 * name from {@link HistoryStore#quartzProperties} and sets its bean properties.
 */
public final class QuartzConnectionProvider implements ConnectionProvider {

    private String url;
    private String user;
    private String passwordFile;
    private int maxConnections = 5;
    private HikariDataSource dataSource;

    public void setUrl(String url) {
        this.url = url;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public void setPasswordFile(String passwordFile) {
        this.passwordFile = passwordFile;
    }

    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    @Override
    public void initialize() throws SQLException {
        if (url == null) {
            throw new SQLException("the Quartz data source has no url");
        }
        HistorySettings settings = new HistorySettings(Optional.of(url), Path.of("."),
            Optional.ofNullable(user), Optional.ofNullable(passwordFile).map(Path::of));
        HikariConfig config = new HikariConfig();
        config.setPoolName("driftless-quartz");
        config.setJdbcUrl(url);
        settings.user().ifPresent(config::setUsername);
        HistoryDatabase.password(settings).ifPresent(config::setPassword);
        config.setMaximumPoolSize(maxConnections);
        config.setMinimumIdle(1);
        // JobStoreTX manages its own transactions.
        config.setAutoCommit(false);
        dataSource = new HikariDataSource(config);
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (dataSource == null) {
            throw new SQLException("the Quartz data source is not initialized");
        }
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
        if (dataSource != null) {
            dataSource.close();
        }
    }
}
