package io.fenceline.control.verify;

import java.util.List;
import java.util.Optional;

/**
 * One table on one cluster, as the range logic sees it. Every call reads the cluster anew; each costs one query
 * over one key range, so memory stays bounded by the range asked for.
 */
public interface TableSide {

    /** The count and hash of the rows in {@code range}. */
    Digest digest(KeyRange range);

    /** The key of the row at {@code offset} (0-based) in key order within {@code range}, if there are that many. */
    Optional<Key> keyAt(KeyRange range, long offset);

    /** Every row of {@code range} with its hash, in key order (called on small ranges only). */
    List<RowDigest> rows(KeyRange range);
}
