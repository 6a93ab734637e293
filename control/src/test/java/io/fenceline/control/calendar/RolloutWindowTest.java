package io.fenceline.control.calendar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The window arithmetic: membership, the next opening and closing, on ordinary days, across midnight, on the two
 * daylight-saving days of Europe/Berlin in 2026 (29 March 02:00 CET -> 03:00 CEST, 25 October 03:00 CEST -> 02:00
 * CET), and in other zones. Each expectation is written as a UTC instant worked out by hand.
 */
class RolloutWindowTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static RolloutWindow window(String days, String from, String to, String zone) {
        return new RolloutWindow(RolloutWindows.parseDays(List.of(days.split(","))),
                RolloutWindows.parseTime(from, false), RolloutWindows.parseTime(to, true), ZoneId.of(zone));
    }

    private static Instant at(String utc) {
        return Instant.parse(utc);
    }

    @ParameterizedTest(name = "{0} -> open {1}, next opening {2}")
    @CsvSource(delimiter = '|', value = {
            // Monday 7 December 2026, CET (+01:00): office hours 09:00-17:00 are 08:00-16:00 UTC.
            "2026-12-07T07:59:59Z | false | 2026-12-07T08:00:00Z",
            "2026-12-07T08:00:00Z | true  | 2026-12-07T08:00:00Z",
            "2026-12-07T15:59:59Z | true  | 2026-12-07T15:59:59Z",
            "2026-12-07T16:00:00Z | false | 2026-12-08T08:00:00Z",   // 17:00 is outside: [from, to)
            "2026-12-07T16:30:00Z | false | 2026-12-08T08:00:00Z",
            "2026-12-11T17:00:00Z | false | 2026-12-14T08:00:00Z",   // Friday evening: Monday morning
            "2026-12-12T12:00:00Z | false | 2026-12-14T08:00:00Z",   // Saturday
            // Summer time (+02:00): the same local hours are 07:00-15:00 UTC.
            "2026-07-01T07:30:00Z | true  | 2026-07-01T07:30:00Z",
            "2026-07-01T15:00:00Z | false | 2026-07-02T07:00:00Z",
    })
    void officeHoursInBerlin(String now, boolean open, String next) {
        RolloutWindow w = window("mon-fri", "09:00", "17:00", "Europe/Berlin");
        assertEquals(open, w.contains(at(now)));
        assertEquals(Optional.of(at(next)), w.nextOpening(at(now)));
    }

    @Test
    void aWindowAcrossMidnightBelongsToTheDayItOpens() {
        RolloutWindow w = window("fri", "22:00", "06:00", "UTC");
        assertTrue(w.acrossMidnight());
        assertEquals(false, w.contains(at("2026-12-11T21:59:59Z")));
        assertEquals(true, w.contains(at("2026-12-11T22:00:00Z")));  // Friday evening
        assertEquals(true, w.contains(at("2026-12-12T05:59:59Z")));  // Saturday morning: Friday's window
        assertEquals(false, w.contains(at("2026-12-12T06:00:00Z")));
        assertEquals(false, w.contains(at("2026-12-12T23:00:00Z")));  // Saturday evening: not listed
        assertEquals(false, w.contains(at("2026-12-11T03:00:00Z")));  // Friday morning: Thursday's, not listed
        assertEquals(Optional.of(at("2026-12-18T22:00:00Z")), w.nextOpening(at("2026-12-12T07:00:00Z")));
        assertEquals(Optional.of(at("2026-12-12T06:00:00Z")), w.nextClosing(at("2026-12-12T01:00:00Z")));
    }

    @Test
    void springForwardShortensAWindowThatStartsInTheGap() {
        RolloutWindow w = window("sun", "02:00", "04:00", "Europe/Berlin");
        // 02:00-03:00 does not exist on 29 March: the window opens at 03:00 CEST = 01:00 UTC, closes at 04:00 CEST.
        assertEquals(Optional.of(at("2026-03-29T01:00:00Z")), w.nextOpening(at("2026-03-28T12:00:00Z")));
        assertEquals(false, w.contains(at("2026-03-29T00:59:59Z")));  // 01:59:59 CET
        assertEquals(true, w.contains(at("2026-03-29T01:00:00Z")));
        assertEquals(false, w.contains(at("2026-03-29T02:00:00Z")));  // 04:00 CEST
        assertEquals(Optional.of(at("2026-03-29T02:00:00Z")), w.nextClosing(at("2026-03-29T01:00:00Z")));
        // The Sunday before: CET all night, 02:00-04:00 = 01:00-03:00 UTC.
        assertEquals(Optional.of(at("2026-03-22T01:00:00Z")), w.nextOpening(at("2026-03-21T12:00:00Z")));
    }

    @Test
    void aWindowEntirelyInsideTheGapDoesNotOpenThatDay() {
        RolloutWindow w = window("sun", "02:00", "02:30", "Europe/Berlin");
        // Next Sunday, 5 April (CEST): 02:00 = 00:00 UTC.
        assertEquals(Optional.of(at("2026-04-05T00:00:00Z")), w.nextOpening(at("2026-03-28T12:00:00Z")));
    }

    @Test
    void fallBackLengthensAWindowOverTheRepeatedHour() {
        RolloutWindow w = window("sun", "02:00", "04:00", "Europe/Berlin");
        // 25 October: 02:00 CEST = 00:00 UTC opens; 02:00-03:00 local happens twice; 04:00 CET = 03:00 UTC closes.
        assertEquals(Optional.of(at("2026-10-25T00:00:00Z")), w.nextOpening(at("2026-10-24T23:00:00Z")));
        assertEquals(true, w.contains(at("2026-10-25T00:30:00Z")));  // 02:30 CEST
        assertEquals(true, w.contains(at("2026-10-25T01:30:00Z")));  // 02:30 CET, the second time
        assertEquals(true, w.contains(at("2026-10-25T02:30:00Z")));  // 03:30 CET
        assertEquals(false, w.contains(at("2026-10-25T03:00:00Z")));
        assertEquals(Optional.of(at("2026-10-25T03:00:00Z")), w.nextClosing(at("2026-10-25T00:00:00Z")));
    }

    @Test
    void aWindowAcrossMidnightOnTheFallBackNight() {
        RolloutWindow w = window("sat", "23:00", "03:00", "Europe/Berlin");
        // Sat 24 Oct 23:00 CEST = 21:00 UTC; Sun 03:00 CET = 02:00 UTC (03:00 CEST at 01:00 UTC became 02:00 CET).
        assertEquals(Optional.of(at("2026-10-24T21:00:00Z")), w.nextOpening(at("2026-10-24T12:00:00Z")));
        assertEquals(true, w.contains(at("2026-10-25T01:59:59Z")));
        assertEquals(Optional.of(at("2026-10-25T02:00:00Z")), w.nextClosing(at("2026-10-24T21:00:00Z")));
    }

    @Test
    void theSameLocalHoursInOtherZones() {
        Instant mondayMidnightUtc = at("2026-12-07T00:00:00Z");
        assertEquals(Optional.of(at("2026-12-07T14:00:00Z")),
                window("mon", "09:00", "10:00", "America/New_York").nextOpening(mondayMidnightUtc));
        assertEquals(Optional.of(mondayMidnightUtc),
                window("mon", "09:00", "10:00", "Asia/Tokyo").nextOpening(mondayMidnightUtc));
        assertEquals(Optional.of(at("2026-12-07T07:30:00Z")),
                window("mon", "09:00", "10:00", "+01:30").nextOpening(mondayMidnightUtc));
    }

    @Test
    void severalWindowsOpenAtTheEarliestAndNoneMeansAlways() {
        RolloutWindows windows = new RolloutWindows(List.of(window("mon-fri", "09:00", "17:00", "Europe/Berlin"),
                window("sat", "10:00", "12:00", "UTC")));
        assertEquals(Optional.of(at("2026-12-12T10:00:00Z")), windows.nextOpening(at("2026-12-11T20:00:00Z")));
        assertEquals(Optional.of(at("2026-12-14T08:00:00Z")), windows.nextOpening(at("2026-12-12T12:00:00Z")));
        assertTrue(RolloutWindows.ALWAYS.open(at("2026-12-12T03:00:00Z")));
        RolloutWindow allDay = window("mon-sun", "00:00", "24:00", "Europe/Berlin");
        assertTrue(allDay.contains(at("2026-03-29T01:30:00Z")));
        assertEquals(Optional.empty(), allDay.nextClosing(at("2026-03-29T01:30:00Z")));
    }

    @Test
    void daysAndTimesParseOrSayWhy() {
        assertEquals(EnumSet.of(DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY, DayOfWeek.MONDAY),
                RolloutWindows.parseDays(List.of("fri-mon")));
        assertEquals(Set.of(DayOfWeek.SATURDAY, DayOfWeek.TUESDAY), RolloutWindows.parseDays(List.of("Saturday", "TUE")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RolloutWindows.parseDays(List.of("mon-funday")));
        assertTrue(e.getMessage().contains("'mon-funday' is not a day"), e.getMessage());
        assertEquals(LocalTime.of(9, 0), RolloutWindows.parseTime("09:00", false));
        assertThrows(IllegalArgumentException.class, () -> RolloutWindows.parseTime("9am", false));
        assertThrows(IllegalArgumentException.class, () -> RolloutWindows.parseTime("24:00", false));
        assertThrows(IllegalArgumentException.class, () -> RolloutWindows.parseTime("25:00", true));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> window("mon", "09:00", "09:00", "UTC"));
        assertTrue(empty.getMessage().contains("empty window"), empty.getMessage());
        assertEquals("mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin",
                window("mon-fri", "09:00", "17:00", "Europe/Berlin").toString());
    }
}
