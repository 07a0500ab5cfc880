package dev.driftless.reconciler.history;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Copies a whole history database (every environment) into an empty one, e.g. from the embedded
 * H2 file to PostgreSQL when a team outgrows one daemon. Run with the daemon stopped.
 */
public final class HistoryTransfer {

    /** Parents before children, so that foreign keys hold at every insert. */
    private static final List<String> TABLES =
        List.of("reconcile", "reconcile_step", "service_result", "service_state", "environment_state", "suspension",
            "repair_backoff", "departed_host", "restart_request", "silent_host", "told_notice");
    private static final List<String> IDENTITY_TABLES = List.of("reconcile", "reconcile_step", "suspension",
        "restart_request");
    private static final int BATCH = 500;

    private HistoryTransfer() {
    }

    /**
     * Migrates both databases, then copies every row in one target transaction and moves the
     * target's id counters past the copied ids. Returns rows copied per table.
     *
     * @throws IllegalStateException when the target already holds reconciles
     * @throws HistoryException      when either database fails
     */
    public static Map<String, Integer> copy(HistorySettings source, HistorySettings target) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (HistoryDatabase.url(source).equals(HistoryDatabase.url(target))) {
            throw new IllegalStateException("the source and the target are the same history database "
                + describe(source));
        }
        try (HikariDataSource from = migrated(source);
             HikariDataSource to = migrated(target);
             Connection in = from.getConnection();
             Connection out = to.getConnection()) {
            if (count(out, "reconcile") > 0) {
                throw new IllegalStateException("the target history database "
                    + HistoryDatabase.display(HistoryDatabase.url(target)) + " already holds reconciles;"
                    + " copy only into an empty one");
            }
            out.setAutoCommit(false);
            try {
                Map<String, Integer> copied = new LinkedHashMap<>();
                for (String table : TABLES) {
                    copied.put(table, copyTable(in, out, table));
                }
                for (String table : IDENTITY_TABLES) {
                    restartIdentity(out, table);
                }
                out.commit();
                return copied;
            } catch (SQLException | RuntimeException e) {
                out.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new HistoryException("cannot copy the history database: " + e.getMessage(), e);
        }
    }

    /** The database the settings name, for messages: its JDBC URL without any password in it. */
    public static String describe(HistorySettings settings) {
        return HistoryDatabase.display(HistoryDatabase.url(settings));
    }

    private static HikariDataSource migrated(HistorySettings settings) {
        String url = HistoryDatabase.url(settings);
        HikariDataSource dataSource = HistoryDatabase.connect(settings);
        try {
            HistoryDatabase.migrate(dataSource, HistoryDatabase.Kind.of(url), url);
            return dataSource;
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    private static int copyTable(Connection in, Connection out, String table) throws SQLException {
        int rows = 0;
        // Table names are constants of this class, never input.
        try (Statement select = in.createStatement(); ResultSet rs = select.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnName(i).toLowerCase(Locale.ROOT));
            }
            String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
            try (PreparedStatement insert = out.prepareStatement(sql)) {
                while (rs.next()) {
                    for (int i = 1; i <= columns.size(); i++) {
                        insert.setObject(i, rs.getObject(i), meta.getColumnType(i));
                    }
                    insert.addBatch();
                    if (++rows % BATCH == 0) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
        }
        return rows;
    }

    /** ALTER … RESTART WITH is accepted by both H2 and PostgreSQL for identity columns. */
    private static void restartIdentity(Connection out, String table) throws SQLException {
        long next;
        try (Statement s = out.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(id) FROM " + table)) {
            rs.next();
            next = rs.getLong(1) + 1;
        }
        try (Statement s = out.createStatement()) {
            s.execute("ALTER TABLE " + table + " ALTER COLUMN id RESTART WITH " + next);
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
