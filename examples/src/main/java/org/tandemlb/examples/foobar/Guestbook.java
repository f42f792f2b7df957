package org.tandemlb.examples.foobar;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The guestbook's SQL: entries are written through the write pool (Tandem's write frontend: the
 * primary) and read through the read pool (the read frontend: replica and primary). Every answer
 * names the database server that gave it ({@code @@report_host}), so a page shows where a read
 * or a write went.
 */
final class Guestbook {

    /** One guestbook entry. */
    record Entry(long id, String name, String message, String created) {}

    /** The latest entries and the database server that returned them. */
    record Page(String server, List<Entry> entries) {}

    /** A new entry's id and the database server that stored it. */
    record Written(String server, long id) {}

    private static final int PAGE_SIZE = 20;

    private final ConnectionPool writes;
    private final ConnectionPool reads;

    Guestbook(ConnectionPool writes, ConnectionPool reads) {
        this.writes = writes;
        this.reads = reads;
    }

    Page latest() throws SQLException {
        return reads.call(connection -> {
            String server = reportHost(connection.createStatement());
            List<Entry> entries = new ArrayList<>();
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT id, name, message, DATE_FORMAT(created, '%Y-%m-%dT%H:%i:%sZ')"
                            + " FROM entries ORDER BY id DESC LIMIT ?")) {
                select.setInt(1, PAGE_SIZE);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(
                                new Entry(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4)));
                    }
                }
            }
            return new Page(server, entries);
        });
    }

    Written add(String name, String message) throws SQLException {
        return writes.call(connection -> {
            String server = reportHost(connection.createStatement());
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO entries (name, message) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, name);
                insert.setString(2, message);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    return new Written(server, keys.getLong(1));
                }
            }
        });
    }

    private static String reportHost(Statement statement) throws SQLException {
        try (statement;
                ResultSet row = statement.executeQuery("SELECT @@report_host")) {
            row.next();
            return row.getString(1);
        }
    }
}
