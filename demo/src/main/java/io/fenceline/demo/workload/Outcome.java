package io.fenceline.demo.workload;

/** What the client learnt about one write. */
public sealed interface Outcome {

    /** The id the write inserted. */
    long id();

    /** The cluster whose proxy the write was sent to. */
    String cluster();

    /** Milliseconds since the run began when the answer arrived. */
    long atMillis();

    /** The commit succeeded: the row must exist. */
    record Accepted(long id, String cluster, long atMillis) implements Outcome {
    }

    /** Refused with an error: nothing was written. */
    record Refused(long id, String cluster, long atMillis, String sqlState, String message) implements Outcome {
    }

    /** No answer (the connection broke or timed out): the row may or may not exist. */
    record Unknown(long id, String cluster, long atMillis, String reason) implements Outcome {
    }
}
