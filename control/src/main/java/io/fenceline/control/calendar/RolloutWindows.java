package io.fenceline.control.calendar;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rollout windows of {@code policies.windows}: a run may begin a wave only at an instant inside one of them.
 * No window at all means always open. Also parses the configuration's spellings of days and times.
 */
public record RolloutWindows(List<RolloutWindow> windows) {

    /** No window: a rollout may proceed at any time. */
    public static final RolloutWindows ALWAYS = new RolloutWindows(List.of());

    private static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    public RolloutWindows {
        windows = List.copyOf(windows);
    }

    /** Whether any window is configured. */
    public boolean configured() {
        return !windows.isEmpty();
    }

    /** Whether a wave may begin at {@code now}. */
    public boolean open(Instant now) {
        return windows.isEmpty() || windows.stream().anyMatch(w -> w.contains(now));
    }

    /** The first instant at or after {@code now} some window contains ({@code now} when open). */
    public Optional<Instant> nextOpening(Instant now) {
        if (windows.isEmpty()) {
            return Optional.of(now);
        }
        return windows.stream().map(w -> w.nextOpening(now)).flatMap(Optional::stream).min(Instant::compareTo);
    }

    /** The window containing {@code at}, if any (for messages). */
    public Optional<RolloutWindow> containing(Instant at) {
        return windows.stream().filter(w -> w.contains(at)).findFirst();
    }

    /** The zone messages show instants in: the first window's, else UTC. */
    public ZoneId displayZone() {
        return windows.isEmpty() ? ZoneId.of("UTC") : windows.get(0).zone();
    }

    /** Every window, as configured. */
    @Override
    public String toString() {
        return windows.isEmpty() ? "always" : windows.toString();
    }

    /**
     * Parses a list of days: names ({@code mon} .. {@code sun}, case-insensitive, full names too) and ranges
     * ({@code mon-fri}; {@code fri-mon} wraps over the weekend).
     *
     * @throws IllegalArgumentException naming the item that is not a day or a range
     */
    public static Set<DayOfWeek> parseDays(List<String> items) {
        EnumSet<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : items) {
            String t = item.strip().toLowerCase(Locale.ROOT);
            int dash = t.indexOf('-');
            if (dash < 0) {
                days.add(day(t, item));
                continue;
            }
            DayOfWeek first = day(t.substring(0, dash).strip(), item);
            DayOfWeek last = day(t.substring(dash + 1).strip(), item);
            for (DayOfWeek d = first; ; d = d.plus(1)) {
                days.add(d);
                if (d == last) {
                    break;
                }
            }
        }
        return days;
    }

    private static DayOfWeek day(String text, String item) {
        for (int i = 0; i < DAY_NAMES.size(); i++) {
            DayOfWeek d = DayOfWeek.of(i + 1);
            if (text.equals(DAY_NAMES.get(i)) || text.equals(d.name().toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new IllegalArgumentException("'" + item + "' is not a day (mon, tue, wed, thu, fri, sat, sun) or a"
                + " range of days (mon-fri)");
    }

    /**
     * Parses {@code HH:MM} (24-hour); {@code 24:00} is the end of the day and returns null.
     *
     * @throws IllegalArgumentException when the text is not such a time
     */
    public static LocalTime parseTime(String text, boolean endOfDayAllowed) {
        String t = text.strip();
        if (endOfDayAllowed && t.equals("24:00")) {
            return null;
        }
        if (!t.matches("\\d{2}:\\d{2}")) {
            throw new IllegalArgumentException("'" + text + "' is not a time HH:MM" + (endOfDayAllowed
                    ? " (00:00 to 24:00)" : " (00:00 to 23:59)"));
        }
        try {
            return LocalTime.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time HH:MM: " + e.getMessage());
        }
    }
}
