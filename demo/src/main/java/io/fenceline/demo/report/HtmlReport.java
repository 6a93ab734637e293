package io.fenceline.demo.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report as one self-contained HTML page: the counts, the facts and the timeline drawn as inline SVG — a
 * lane per cluster ({@code <g class="lane" data-cluster="eu">}) with a row per track, a rectangle per segment,
 * the scenario's markers as dashed vertical lines, and a time axis in seconds.
 */
public final class HtmlReport {

    static final int LEFT = 110;
    static final int PLOT_WIDTH = 900;
    static final int ROW = 22;
    static final int LANE_GAP = 14;
    static final int TOP = 50;

    private static final Map<String, String> COLOURS = Map.ofEntries(
            Map.entry("writer", "#2e7d32"), Map.entry("-", "#eceff1"),
            Map.entry("writable", "#a5d6a7"), Map.entry("read-only", "#e57373"), Map.entry("paused", "#ffb74d"),
            Map.entry("unknown", "#cfd8dc"),
            Map.entry("expand", "#64b5f6"), Map.entry("backfill", "#9575cd"), Map.entry("contract", "#f06292"),
            Map.entry("idle", "#eceff1"));
    private static final String[] SCHEMA_COLOURS = {"#b3e5fc", "#4fc3f7", "#0288d1", "#01579b"};

    private HtmlReport() {
    }

    /** The whole page. */
    public static String render(Report report) {
        WriteCounts w = report.writes();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>Fenceline demo report</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#263238}\n")
                .append("table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}\n")
                .append("td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append(".lost0{color:#2e7d32;font-weight:bold}.lostN{color:#c62828;font-weight:bold}\n")
                .append("svg text{font-size:11px}\n</style></head><body>\n")
                .append("<h1>Fenceline demo</h1>\n")
                .append("<p>Run time ").append(TerminalReport.seconds(report.runTime().toMillis())).append(" s.</p>\n")
                .append("<h2>Writes</h2>\n<table>\n")
                .append(row("attempted", w.attempted()))
                .append(row("accepted", w.accepted()))
                .append(row("refused", w.refusedTotal()));
        w.refused().forEach((state, n) -> html.append(row("&nbsp;&nbsp;SQLSTATE " + escape(state), n)));
        html.append(row("unknown (found in the database: " + w.unknownPresent() + ")", w.unknown()))
                .append("<tr><th>lost</th><td class=\"n ").append(w.lost() == 0 ? "lost0" : "lostN").append("\">")
                .append(w.lost()).append("</td><td>accepted ids missing from the ").append(w.rowsCounted())
                .append(" rows counted on ").append(escape(w.countedOn())).append("</td></tr>\n</table>\n");
        list(html, "What happened", report.facts());
        list(html, "Not shown by this build", report.notes());
        html.append("<h2>Timeline</h2>\n").append(svg(report.timeline())).append("\n</body></html>\n");
        return html.toString();
    }

    private static String row(String label, long n) {
        return "<tr><th>" + label + "</th><td class=\"n\">" + n + "</td></tr>\n";
    }

    private static void list(StringBuilder html, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        html.append("<h2>").append(title).append("</h2>\n<ul>\n");
        items.forEach(i -> html.append("<li>").append(escape(i)).append("</li>\n"));
        html.append("</ul>\n");
    }

    /** The timeline as an {@code <svg>} element. */
    public static String svg(Timeline t) {
        long start = t.startMillis();
        long end = Math.max(start + 1, t.endMillis());
        int tracks = Track.values().length;
        int laneHeight = tracks * ROW;
        int markerRows = (t.markers().size() + 1) / 2;
        int plotBottom = TOP + t.clusters().size() * (laneHeight + LANE_GAP) + 30;
        int height = plotBottom + 10 + markerRows * 15;
        int width = LEFT + PLOT_WIDTH + 20;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\">\n");
        // Time axis: a tick every "nice" number of seconds.
        long step = tickStep(end - start);
        int axisY = plotBottom - 22;
        for (long ms = (start + step - 1) / step * step; ms <= end; ms += step) {
            double x = x(ms, start, end);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#b0bec5\" stroke-width=\"0.5\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%ss</text>\n",
                    x, TOP - 6, x, axisY, x, axisY + 14, TerminalReport.seconds(ms).replace(".0", "")));
        }
        for (int c = 0; c < t.clusters().size(); c++) {
            String cluster = t.clusters().get(c);
            int laneTop = TOP + c * (laneHeight + LANE_GAP);
            svg.append("<g class=\"lane\" data-cluster=\"").append(escape(cluster)).append("\">\n")
                    .append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">%s</text>\n",
                            laneTop + 14, escape(cluster)));
            for (int k = 0; k < tracks; k++) {
                Track track = Track.values()[k];
                int y = laneTop + k * ROW;
                svg.append(String.format(Locale.ROOT, "<text x=\"40\" y=\"%d\" fill=\"#607d8b\">%s</text>\n",
                        y + 15, track.label()));
                for (Segment s : t.segments(cluster, track)) {
                    double x0 = x(s.fromMillis(), start, end);
                    double w = Math.max(1.0, x(s.toMillis(), start, end) - x0);
                    svg.append(String.format(Locale.ROOT,
                            "<rect class=\"segment\" data-track=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                                    + " fill=\"%s\"><title>%s %s: %s (%s-%s s)</title></rect>\n",
                            track.label(), x0, y + 2, w, ROW - 4, colour(track, s.value()), escape(cluster),
                            track.label(), escape(s.value()), TerminalReport.seconds(s.fromMillis()),
                            TerminalReport.seconds(s.toMillis())));
                    if (w > 7.0 * s.value().length() + 6) {
                        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>\n",
                                x0 + 3, y + 15, dark(track, s.value()) ? "#ffffff" : "#263238", escape(s.value())));
                    }
                }
            }
            svg.append("</g>\n");
        }
        // Markers: a numbered dashed line each; the numbers are explained in two columns under the axis.
        List<Marker> markers = t.markers();
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            double x = x(m.atMillis(), start, end);
            int labelY = TOP - 8 - (i % 2) * 12;
            svg.append(String.format(Locale.ROOT,
                    "<g class=\"marker\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#37474f\""
                            + " stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>"
                            + "<title>%s</title></g>\n",
                    x, labelY + 2, x, axisY, x, labelY, i + 1, escape(m.label())));
            int column = i < markerRows ? 0 : 1;
            int row = column == 0 ? i : i - markerRows;
            svg.append(String.format(Locale.ROOT, "<text class=\"marker-label\" x=\"%d\" y=\"%d\">%d. %s (%s s)</text>\n",
                    LEFT + column * (PLOT_WIDTH / 2), plotBottom + 12 + row * 15, i + 1, escape(m.label()),
                    TerminalReport.seconds(m.atMillis())));
        }
        return svg.append("</svg>").toString();
    }

    private static double x(long millis, long start, long end) {
        return LEFT + PLOT_WIDTH * (double) (Math.min(Math.max(millis, start), end) - start) / (end - start);
    }

    static long tickStep(long endMillis) {
        long[] steps = {1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000};
        for (long s : steps) {
            if (endMillis / s <= 12) {
                return s;
            }
        }
        return 600_000;
    }

    private static String colour(Track track, String value) {
        String known = COLOURS.get(value);
        if (known != null) {
            return known;
        }
        if (track == Track.IN_USE && value.matches("v\\d+(\\+v\\d+)*")) {
            // Coloured by the newest version in use, as the schema track by its version.
            int v = Integer.parseInt(value.replaceAll("^.*v(\\d+)$", "$1"));
            return SCHEMA_COLOURS[Math.min(v, SCHEMA_COLOURS.length - 1)];
        }
        if (track == Track.SCHEMA && value.matches("V\\d+.*")) {
            int v = Integer.parseInt(value.replaceAll("^V(\\d+).*", "$1"));
            return SCHEMA_COLOURS[Math.min(v, SCHEMA_COLOURS.length - 1)];
        }
        return "#cfd8dc";
    }

    private static boolean dark(Track track, String value) {
        String c = colour(track, value);
        return c.equals("#2e7d32") || c.equals("#0288d1") || c.equals("#01579b") || c.equals("#e57373");
    }

    /** HTML/XML text escaping. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
