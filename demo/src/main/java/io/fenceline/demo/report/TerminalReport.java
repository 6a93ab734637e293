package io.fenceline.demo.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report as plain text: the counts, the facts, every change of the timeline, and one strip per cluster and
 * track (one character per time slice; the legend names each character).
 */
public final class TerminalReport {

    /** Characters per strip. */
    static final int WIDTH = 60;

    private TerminalReport() {
    }

    /** Renders {@code report}; lines end with {@code \n}. */
    public static String render(Report report) {
        StringBuilder out = new StringBuilder();
        Timeline t = report.timeline();
        WriteCounts w = report.writes();
        out.append("== report (").append(seconds(report.runTime().toMillis())).append(" s) ==\n");
        out.append(String.format(Locale.ROOT, "writes attempted: %d%n", w.attempted()));
        out.append(String.format(Locale.ROOT, "writes accepted:  %d%n", w.accepted()));
        out.append(String.format(Locale.ROOT, "writes refused:   %d%s%n", w.refusedTotal(),
                w.refused().isEmpty() ? "" : "  " + sqlStates(w)));
        out.append(String.format(Locale.ROOT, "writes unknown:   %d (of which %d found in the database)%n",
                w.unknown(), w.unknownPresent()));
        out.append(String.format(Locale.ROOT, "writes lost:      %d  (accepted ids missing from %d rows counted on %s)%n",
                w.lost(), w.rowsCounted(), w.countedOn()));
        if (!report.facts().isEmpty()) {
            out.append("\nwhat happened:\n");
            report.facts().forEach(f -> out.append("  - ").append(f).append('\n'));
        }
        if (!report.notes().isEmpty()) {
            out.append("\nnot shown by this build:\n");
            report.notes().forEach(n -> out.append("  - ").append(n).append('\n'));
        }
        out.append("\ntimeline (seconds since start):\n");
        int markerIndex = 0;
        List<Marker> markers = t.markers();
        for (Segment s : t.changes()) {
            while (markerIndex < markers.size() && markers.get(markerIndex).atMillis() <= s.fromMillis()) {
                Marker m = markers.get(markerIndex++);
                out.append(String.format(Locale.ROOT, "  %7s  ** %s%n", seconds(m.atMillis()), m.label()));
            }
            out.append(String.format(Locale.ROOT, "  %7s  %-4s %-6s %s%n", seconds(s.fromMillis()), s.cluster(),
                    s.track().label(), s.value()));
        }
        while (markerIndex < markers.size()) {
            Marker m = markers.get(markerIndex++);
            out.append(String.format(Locale.ROOT, "  %7s  ** %s%n", seconds(m.atMillis()), m.label()));
        }
        out.append(strips(t));
        return out.toString();
    }

    private static String sqlStates(WriteCounts w) {
        StringBuilder s = new StringBuilder("(");
        w.refused().forEach((state, n) -> s.append(s.length() > 1 ? ", " : "").append(state).append(": ").append(n));
        return s.append(')').toString();
    }

    /** One strip per cluster and track, with a legend of the characters used. */
    static String strips(Timeline t) {
        StringBuilder out = new StringBuilder("\n");
        Map<String, Character> legend = new LinkedHashMap<>();
        long start = t.startMillis();
        long end = Math.max(start + 1, t.endMillis());
        String from = seconds(start) + " s";
        out.append(String.format(Locale.ROOT, "  %-4s %-6s |%s| %s s%n", "", "", from
                + " ".repeat(WIDTH - from.length()), seconds(end)));
        for (String cluster : t.clusters()) {
            for (Track track : Track.values()) {
                List<Segment> segments = t.segments(cluster, track);
                if (segments.isEmpty()) {
                    continue;
                }
                char[] line = new char[WIDTH];
                java.util.Arrays.fill(line, ' ');
                for (int i = 0; i < WIDTH; i++) {
                    long at = start + (end - start) * i / WIDTH + (end - start) / (2L * WIDTH);
                    for (Segment s : segments) {
                        if (s.fromMillis() <= at && at < Math.max(s.toMillis(), s.fromMillis() + 1)) {
                            line[i] = symbol(legend, track, s.value());
                        }
                    }
                }
                out.append(String.format(Locale.ROOT, "  %-4s %-6s |%s|%n", cluster, track.label(), new String(line)));
            }
        }
        out.append("  legend: ");
        legend.forEach((value, c) -> out.append(c).append('=').append(value.substring(value.indexOf(':') + 1))
                .append("  "));
        return out.append('\n').toString();
    }

    private static char symbol(Map<String, Character> legend, Track track, String value) {
        String key = track + ":" + value;
        Character known = legend.get(key);
        if (known != null) {
            return known;
        }
        char c = value.equals("-") ? '.' : Character.toUpperCase(value.charAt(0));
        if ((track == Track.SCHEMA || track == Track.IN_USE && value.matches("v\\d.*")) && value.length() > 1) {
            c = value.charAt(value.length() - 1);
        }
        char candidate = c;
        if (legend.containsValue(candidate) && candidate != '.') {
            candidate = Character.toLowerCase(c);
        }
        while (legend.containsValue(candidate) && candidate != '.') {
            candidate = candidate == 'Z' ? 'a' : (char) (candidate + 1);
        }
        legend.put(key, candidate);
        return candidate;
    }

    /** Milliseconds as seconds with one decimal. */
    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }
}
