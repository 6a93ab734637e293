package io.fenceline.demo.report;

import java.time.Duration;
import java.util.List;

/**
 * The end of a demo run.
 *
 * @param timeline what each cluster was, over time
 * @param writes   the counts of writes accepted, refused, unknown and lost
 * @param facts    short statements the run established, in order (for example how long the writer was read-only
 *                 before another cluster took over)
 * @param notes    what this run could not show and why (a feature not in this build)
 * @param runTime  wall time of the whole run, start-up and clean-up excluded
 */
public record Report(Timeline timeline, WriteCounts writes, List<String> facts, List<String> notes,
                     Duration runTime) {

    public Report {
        facts = List.copyOf(facts);
        notes = List.copyOf(notes);
    }
}
