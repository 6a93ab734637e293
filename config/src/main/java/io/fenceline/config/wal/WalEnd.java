package io.fenceline.config.wal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The end of the WAL a PostgreSQL cluster has inserted so far: at or past the commit record of every transaction
 * whose commit was acknowledged before the read. The one place the proxy (published positions, a handoff's pause
 * position), the rollout gate (a wave's replicas caught up) and {@code fenceline verify} (the position every
 * subscriber must have applied) read "the writer's position".
 *
 * <p>Not {@code pg_current_wal_lsn()}, the <em>write</em> position: with {@code synchronous_commit = off} a commit is
 * acknowledged once its record is inserted, and it can sit in the WAL buffers, past the write position, for up to
 * {@code wal_writer_delay}. A subscriber that confirmed the write position may not have such a commit yet.
 *
 * <p>At a page boundary {@code pg_current_wal_insert_lsn()} points past the next page's header (24 bytes, 40 on
 * the first page of a segment), where no record exists yet: nothing flushes it and no WAL sender ever reports it,
 * so an idle cluster's subscribers could never confirm it. The header is taken off (as after
 * {@code pg_switch_wal()}, where the page start is the end).
 */
public final class WalEnd {

    /** Columns: the insert position in bytes, the WAL page size, the WAL segment size. */
    public static final String QUERY = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn,"
            + " current_setting('wal_block_size')::bigint, pg_size_bytes(current_setting('wal_segment_size'))";

    /** {@code SizeOfXLogShortPHD} and {@code SizeOfXLogLongPHD} on 64-bit builds. */
    private static final long SHORT_PAGE_HEADER = 24;
    private static final long LONG_PAGE_HEADER = 40;

    private WalEnd() {
    }

    /** Reads the end of the inserted WAL on {@code c}'s cluster, as a byte position. */
    public static long read(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            rs.next();
            return of(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    /** As {@link #read(Connection)}, in PostgreSQL's {@code pg_lsn} text form ({@code 0/16B3748}). */
    public static String readText(Connection c) throws SQLException {
        return text(read(c));
    }

    /** The end of the WAL given the insert position: less the page header it points just past, if it does. */
    public static long of(long insert, long pageSize, long segmentSize) {
        if (insert % segmentSize == LONG_PAGE_HEADER) {
            return insert - LONG_PAGE_HEADER;
        }
        if (insert % pageSize == SHORT_PAGE_HEADER && insert % segmentSize != SHORT_PAGE_HEADER) {
            return insert - SHORT_PAGE_HEADER;
        }
        return insert;
    }

    /** A byte position in {@code pg_lsn} text form. */
    public static String text(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /** A {@code pg_lsn} text ({@code 0/16B3748}) as a byte position. */
    public static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a pg_lsn: " + lsn);
        }
        return (Long.parseUnsignedLong(lsn.substring(0, slash), 16) << 32) | Long.parseUnsignedLong(lsn.substring(slash + 1), 16);
    }
}
