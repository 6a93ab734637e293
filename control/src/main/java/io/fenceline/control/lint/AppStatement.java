package io.fenceline.control.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One statement the applications run, for lint's plan checks, optionally tagged with the schema version of the
 * application that runs it.
 *
 * @param text    the SQL, with {@code $1 ...} for parameters
 * @param version the declared schema version of the application that runs it, or null (every version)
 * @param line    the line of the file it starts on (for messages)
 */
public record AppStatement(String text, Integer version, int line) {

    private static final Pattern TAG = Pattern.compile("(?s)^[Vv](\\d+)\\s*:\\s*(.*)$");
    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");

    public AppStatement {
        Objects.requireNonNull(text, "text");
    }

    /** {@code V1 statement 3 (line 7)} or {@code statement 3 (line 7)}. */
    public String label(int index) {
        return (version == null ? "" : "V" + version + " ") + "statement " + index + " (line " + line + ")";
    }

    /** The highest {@code $n} the statement uses outside string constants; 0 without parameters. */
    public int parameters() {
        int max = 0;
        // A $n inside a string constant is text, not a parameter.
        Matcher m = PARAMETER.matcher(text.replaceAll("'(?:[^']|'')*'", "''"));
        while (m.find()) {
            max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max;
    }

    /**
     * Reads a statements file: statements separated by {@code ;} (outside quotes, dollar quotes and comments), or,
     * in a file without any such {@code ;}, one statement per non-empty line. A statement starting with
     * {@code V<n>:} is tagged with schema version n. Lines starting with {@code --} are comments.
     */
    public static List<AppStatement> parse(String file) {
        List<int[]> spans = split(file);
        List<AppStatement> out = new ArrayList<>();
        boolean bySemicolon = spans.size() > 1 || (spans.size() == 1 && spans.get(0)[2] == 1);
        if (!bySemicolon) {
            String[] lines = file.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                add(out, lines[i], i + 1);
            }
            return out;
        }
        for (int[] span : spans) {
            String text = file.substring(span[0], span[1]);
            int line = 1 + (int) file.substring(0, span[0]).chars().filter(ch -> ch == '\n').count();
            // Move the line to the first line with content.
            String stripped = stripComments(text);
            int lead = text.indexOf(stripped.isEmpty() ? "\u0000" : stripped.substring(0, 1));
            if (lead > 0) {
                line += (int) text.substring(0, lead).chars().filter(ch -> ch == '\n').count();
            }
            add(out, text, line);
        }
        return out;
    }

    private static void add(List<AppStatement> out, String raw, int line) {
        String text = stripComments(raw).strip();
        if (text.isEmpty()) {
            return;
        }
        Matcher tag = TAG.matcher(text);
        if (tag.matches()) {
            out.add(new AppStatement(tag.group(2).strip(), Integer.parseInt(tag.group(1)), line));
        } else {
            out.add(new AppStatement(text, null, line));
        }
    }

    /** Drops whole-line {@code --} comments. */
    private static String stripComments(String text) {
        StringBuilder out = new StringBuilder();
        for (String l : text.split("\n", -1)) {
            if (!l.strip().startsWith("--")) {
                out.append(l).append('\n');
            }
        }
        return out.toString().strip();
    }

    /**
     * Spans {start, end, endedBySemicolon} of the statements: a small scanner that knows single and double quotes,
     * dollar quotes and comments, so a {@code ;} inside them does not split.
     */
    private static List<int[]> split(String s) {
        List<int[]> spans = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int j = s.indexOf(c, i + 1);
                i = j < 0 ? s.length() : j + 1;
            } else if (c == '-' && i + 1 < s.length() && s.charAt(i + 1) == '-') {
                int j = s.indexOf('\n', i);
                i = j < 0 ? s.length() : j;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int j = s.indexOf("*/", i + 2);
                i = j < 0 ? s.length() : j + 2;
            } else if (c == '$') {
                Matcher m = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(s).region(i, s.length());
                if (m.lookingAt()) {
                    String tag = m.group();
                    int j = s.indexOf(tag, m.end());
                    i = j < 0 ? s.length() : j + tag.length();
                } else {
                    i++;
                }
            } else if (c == ';') {
                spans.add(new int[]{start, i, 1});
                start = i + 1;
                i++;
            } else {
                i++;
            }
        }
        if (!s.substring(start).isBlank()) {
            spans.add(new int[]{start, s.length(), 0});
        }
        return spans;
    }
}
