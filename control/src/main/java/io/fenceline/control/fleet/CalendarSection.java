package io.fenceline.control.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.records.Step;
import io.fenceline.control.calendar.RolloutWindow;
import io.fenceline.control.calendar.RolloutWindows;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Reads the calendar keys of {@code policies}: {@code cooldown} (a duration for every step, or a mapping per step),
 * {@code windows} (a list of {@code {days, from, to, zone}}), and {@code gate_timeout} when it is a mapping
 * ({@code default} and per step). Problems go to the loader's sink as (key, message), all of them.
 *
 * <pre>
 * policies:
 *   cooldown: {expand: 30m, backfill: 0s, contract: 2h}      # or one duration for every step; 0s / off: none
 *   windows: [{days: [mon-fri], from: "09:00", to: "17:00", zone: Europe/Berlin}]
 *   gate_timeout: {default: 30s, backfill: 5m}               # or one duration
 * </pre>
 */
final class CalendarSection {

    private static final Set<String> STEPS = Set.of("expand", "backfill", "contract");
    private static final Set<String> GATE_KEYS = Set.of("default", "expand", "backfill", "contract");
    private static final Set<String> WINDOW_KEYS = Set.of("days", "from", "to", "zone");

    private CalendarSection() {
    }

    /** What the section read: the calendar and the global gate timeout (null when {@code gate_timeout} is absent). */
    record Read(RolloutCalendar calendar, Duration gateTimeout) {}

    static Read read(JsonNode policies, BiConsumer<String, String> problem) {
        Map<Step, Duration> cooldowns = new EnumMap<>(Step.class);
        JsonNode cooldown = policies.get("cooldown");
        if (cooldown != null) {
            if (cooldown.isObject()) {
                for (Iterator<String> it = cooldown.fieldNames(); it.hasNext(); ) {
                    String step = it.next();
                    if (!STEPS.contains(step)) {
                        problem.accept("policies.cooldown." + step, "unknown key (known: " + new TreeSet<>(STEPS) + ")");
                        continue;
                    }
                    Duration d = zeroOrPositive(cooldown.get(step), "policies.cooldown." + step, problem);
                    if (d != null && !d.isZero()) {
                        cooldowns.put(Step.parse(step), d);
                    }
                }
            } else {
                Duration d = zeroOrPositive(cooldown, "policies.cooldown", problem);
                if (d != null && !d.isZero()) {
                    for (Step s : Step.values()) {
                        cooldowns.put(s, d);
                    }
                }
            }
        }
        Map<Step, Duration> gates = new EnumMap<>(Step.class);
        Duration gateDefault = null;
        JsonNode gate = policies.get("gate_timeout");
        if (gate != null && gate.isObject()) {
            for (Iterator<String> it = gate.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!GATE_KEYS.contains(key)) {
                    problem.accept("policies.gate_timeout." + key, "unknown key (known: " + new TreeSet<>(GATE_KEYS) + ")");
                    continue;
                }
                Duration d = positive(gate.get(key), "policies.gate_timeout." + key, problem);
                if (d != null && key.equals("default")) {
                    gateDefault = d;
                } else if (d != null) {
                    gates.put(Step.parse(key), d);
                }
            }
        }
        return new Read(new RolloutCalendar(cooldowns, windows(policies.get("windows"), problem), gates), gateDefault);
    }

    private static RolloutWindows windows(JsonNode node, BiConsumer<String, String> problem) {
        if (node == null || node.isNull()) {
            return RolloutWindows.ALWAYS;
        }
        if (!node.isArray() || node.isEmpty()) {
            problem.accept("policies.windows", "must be a non-empty list of {days, from, to, zone} (leave it out to"
                    + " allow every hour)");
            return RolloutWindows.ALWAYS;
        }
        List<RolloutWindow> windows = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String key = "policies.windows[" + i + "]";
            JsonNode w = node.get(i);
            if (!w.isObject()) {
                problem.accept(key, "must be a mapping {days, from, to, zone}");
                continue;
            }
            boolean ok = true;
            for (Iterator<String> it = w.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!WINDOW_KEYS.contains(field)) {
                    problem.accept(key + "." + field, "unknown key (known: " + new TreeSet<>(WINDOW_KEYS) + ")");
                }
            }
            Set<DayOfWeek> days = null;
            JsonNode dayNode = w.get("days");
            if (dayNode == null || (dayNode.isArray() && dayNode.isEmpty())) {
                problem.accept(key + ".days", "is required: a list of days or ranges, e.g. [mon-fri]");
                ok = false;
            } else {
                List<String> items = new ArrayList<>();
                if (dayNode.isArray()) {
                    dayNode.forEach(d -> items.add(d.asText()));
                } else {
                    items.add(dayNode.asText());
                }
                try {
                    days = RolloutWindows.parseDays(items);
                } catch (IllegalArgumentException e) {
                    problem.accept(key + ".days", e.getMessage());
                    ok = false;
                }
            }
            LocalTime from = null;
            LocalTime to = null;
            try {
                from = RolloutWindows.parseTime(required(w, "from"), false);
            } catch (IllegalArgumentException e) {
                problem.accept(key + ".from", e.getMessage());
                ok = false;
            }
            try {
                to = RolloutWindows.parseTime(required(w, "to"), true);
            } catch (IllegalArgumentException e) {
                problem.accept(key + ".to", e.getMessage());
                ok = false;
            }
            ZoneId zone = null;
            try {
                zone = ZoneId.of(required(w, "zone"));
            } catch (IllegalArgumentException | DateTimeException e) {
                problem.accept(key + ".zone", e instanceof IllegalArgumentException ? e.getMessage()
                        : "'" + w.path("zone").asText() + "' is not a time zone (e.g. Europe/Berlin, UTC, +01:00): "
                        + e.getMessage());
                ok = false;
            }
            if (ok) {
                try {
                    windows.add(new RolloutWindow(days, from, to, zone));
                } catch (IllegalArgumentException e) {
                    problem.accept(key, e.getMessage());
                }
            }
        }
        return new RolloutWindows(windows);
    }

    private static String required(JsonNode w, String field) {
        JsonNode v = w.get(field);
        if (v == null || v.isNull() || !v.isValueNode() || v.asText().isBlank()) {
            throw new IllegalArgumentException("is required");
        }
        return v.asText();
    }

    private static Duration zeroOrPositive(JsonNode v, String key, BiConsumer<String, String> problem) {
        // YAML reads a bare `off` as the boolean false.
        if ((v.isBoolean() && !v.asBoolean()) || v.asText().strip().equals("off")) {
            return Duration.ZERO;
        }
        String text = v.asText().strip();
        if (text.matches("0+\\s*(ms|s|m|h)?")) {
            return Duration.ZERO;
        }
        return positive(v, key, problem);
    }

    private static Duration positive(JsonNode v, String key, BiConsumer<String, String> problem) {
        Duration d = v.isValueNode() ? FleetConfigLoader.parseDuration(v.asText()) : null;
        if (d == null || d.isZero()) {
            problem.accept(key, "'" + v.asText() + "' is not a positive duration like 500ms, 5s, 10m, 1h");
            return null;
        }
        return d;
    }
}
