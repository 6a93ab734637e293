package io.fenceline.demo.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What became of the workload's writes.
 *
 * @param attempted       writes the workload sent
 * @param accepted        writes whose commit the client saw succeed
 * @param refused         writes refused with an error, by SQLSTATE (the database or the proxy said no; nothing written)
 * @param unknown         writes whose outcome the client could not know (the connection broke before the answer)
 * @param unknownPresent  of the unknown writes, how many the final count found in the database anyway
 * @param lost            accepted writes missing from the final count of rows (must be 0)
 * @param rowsCounted     rows of the workload's table on the cluster counted at the end
 * @param countedOn       the cluster whose database was counted (the writer at the end)
 */
public record WriteCounts(long attempted, long accepted, Map<String, Long> refused, long unknown, long unknownPresent,
                          long lost, long rowsCounted, String countedOn) {

    public WriteCounts {
        refused = Collections.unmodifiableSortedMap(new TreeMap<>(refused));
    }

    /** All refusals, whatever their SQLSTATE. */
    public long refusedTotal() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }
}
