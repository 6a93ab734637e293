package io.fenceline.control.calendar;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One rollout window of {@code policies.windows}: the days it opens on, and the local hours {@code [from, to)} in
 * a time zone. A window whose {@code to} is not after {@code from} runs across midnight: it opens at {@code from}
 * on a listed day and closes at {@code to} the next day. {@code to = 24:00} is the end of the day.
 *
 * <p>Membership is decided on the instant's local date and time in the zone, so daylight-saving days need no
 * special case: a spring-forward gap simply does not occur (a window {@code 02:00-04:00} is open from 03:00 on
 * that day, one hour long), and the repeated hour of a fall-back day is inside the window as often as it occurs
 * (a window {@code 02:00-04:00} is then three hours long).
 *
 * @param days  the days the window opens on (for a window across midnight: the day it opens)
 * @param from  local opening time
 * @param to    local closing time, exclusive; {@code null} stands for 24:00
 * @param zone  the zone the times are in
 */
public record RolloutWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {

    public RolloutWindow {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(zone, "zone");
        if (days == null || days.isEmpty()) {
            throw new IllegalArgumentException("a window needs at least one day");
        }
        days = Set.copyOf(EnumSet.copyOf(days));
        if (to != null && to.equals(from)) {
            throw new IllegalArgumentException("from and to are both " + from + ": an empty window"
                    + " (a whole day is 00:00 to 24:00)");
        }
    }

    /** Whether the window runs across midnight. */
    public boolean acrossMidnight() {
        return to != null && !to.isAfter(from);
    }

    /** Whether {@code instant} is inside the window. */
    public boolean contains(Instant instant) {
        LocalDateTime local = LocalDateTime.ofInstant(instant, zone);
        LocalTime time = local.toLocalTime();
        DayOfWeek day = local.getDayOfWeek();
        if (!acrossMidnight()) {
            return days.contains(day) && !time.isBefore(from) && (to == null || time.isBefore(to));
        }
        // Across midnight: the evening part belongs to the day it opened, the morning part to the day before.
        return (days.contains(day) && !time.isBefore(from)) || (days.contains(day.minus(1)) && time.isBefore(to));
    }

    /**
     * The first instant at or after {@code now} inside the window: {@code now} itself when it is inside, else the
     * next opening. Empty only for a window that cannot open within eight days (its hours all fall into a
     * daylight-saving gap).
     */
    public Optional<Instant> nextOpening(Instant now) {
        if (contains(now)) {
            return Optional.of(now);
        }
        LocalDate today = LocalDate.ofInstant(now, zone);
        for (int d = -1; d <= 8; d++) {
            LocalDate date = today.plusDays(d);
            if (!days.contains(date.getDayOfWeek())) {
                continue;
            }
            Instant opening = earliestAtOrAfter(LocalDateTime.of(date, from));
            // A window whose whole span falls into a gap never opens that day.
            if (!opening.isBefore(now) && contains(opening)) {
                return Optional.of(opening);
            }
        }
        return Optional.empty();
    }

    /**
     * The first instant at or after {@code now} outside the window (when a run that began inside it would see it
     * close); {@code now} when it is outside. Empty when the window never closes (every day, 00:00 to 24:00).
     */
    public Optional<Instant> nextClosing(Instant now) {
        if (!contains(now)) {
            return Optional.of(now);
        }
        LocalDate today = LocalDate.ofInstant(now, zone);
        LocalTime end = to == null ? LocalTime.MIDNIGHT : to;
        for (int d = -1; d <= 8; d++) {
            LocalDate date = today.plusDays(d);
            Instant closing = earliestAtOrAfter(LocalDateTime.of(date, end));
            if (closing.isAfter(now) && !contains(closing)) {
                return Optional.of(closing);
            }
        }
        return Optional.empty();
    }

    /** The earliest instant whose local time is {@code local} or, in a gap, the end of the gap. */
    private Instant earliestAtOrAfter(LocalDateTime local) {
        List<java.time.ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            ZoneOffsetTransition gap = zone.getRules().getTransition(local);
            return gap.getInstant();
        }
        // In an overlap the earlier offset comes first.
        return ZonedDateTime.ofLocal(local, zone, offsets.get(0)).toInstant();
    }

    /** The configuration's spelling: {@code mon-fri 09:00-17:00 Europe/Berlin}. */
    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (DayOfWeek d : EnumSet.copyOf(days)) {
            names.add(d.getDisplayName(TextStyle.SHORT, Locale.ROOT).toLowerCase(Locale.ROOT));
        }
        return String.join(",", names) + " " + from + "-" + (to == null ? "24:00" : to.toString()) + " " + zone;
    }
}
