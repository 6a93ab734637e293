package io.fenceline.config.records;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordsTest {

    private static final Instant AT = Instant.parse("2026-11-23T22:00:00Z");
    private static final String KEY = "/fenceline/groups/g/window";

    @Test
    void everyRecordSurvivesARoundTrip() {
        List<Object> records = List.of(
                new WriterRecord("eu-1", "proxy-a", AT),
                new Window(4, 5),
                new Catalog(5, "sha256:ab", Map.of("orders", List.of("id", "total"), "items", List.of("id"))),
                new Ack("sha256:ab", AT, 12),
                new ProxyStatus(77, Mode.PAUSED, true, 12, 3400, Map.of(4, 10, 5, 2), 12, 9000, 31, null, AT),
                new AuditRecord(3, AT, "control@host", "gate-passed", "g", "eu-1", Map.of("wave", "1")),
                new AuditRecord(4, AT, "operator", "mode", "g", null, Map.of()),
                new MigrationJournal("run-1", 5, MigrationJournal.State.EXPANDING, Step.EXPAND, 1,
                        Set.of("eu-1"), 9, AT, null),
                new MigrationJournal("run-2", 5, MigrationJournal.State.CONTRACTING, Step.CONTRACT, 1,
                        Set.of("eu-1"), 9, AT, null, Map.of("expand", List.of(List.of("us-2", "ap-1"), List.of("eu-1")),
                        "contract", List.of(List.of("eu-1"), List.of("us-2", "ap-1")))),
                new MigrationJournal("run-3", 5, MigrationJournal.State.EXPANDING, Step.EXPAND, 1, Set.of(), 9, AT, null,
                        Map.of(), new MigrationJournal.Timing(AT, null, null, new MigrationJournal.Wait("cooldown", AT,
                        AT.plusSeconds(3600), "cooling down after wave 0 until 2026-11-23T23:00Z"))),
                new HandoffRequest("h-1", "us-2", "alice", AT, 30_000),
                new ControlLeaderRecord("control-0", AT));
        for (Object r : records) {
            String json = Records.toJson(r);
            assertEquals(r, Records.fromJson(KEY, json, r.getClass()), json);
        }
    }

    @Test
    void jsonUsesReadableTextForTimesAndEnums() {
        String json = Records.toJson(new ProxyStatus(1, Mode.READ_ONLY, false, 0, 0, Map.of(3, 1), 1, 0, 0, 5L, AT));
        assertTrue(json.contains("\"mode\":\"read-only\""), json);
        assertTrue(json.contains("\"at\":\"2026-11-23T22:00:00Z\""), json);
        assertTrue(json.contains("\"versionsInUse\":{\"3\":1}"), json);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"oldest\":3,\"newest\":5}            | newest   | must equal oldest or oldest+1 (oldest=3, newest=5)",
            "{\"oldest\":3,\"newest\":2}            | newest   | must equal oldest or oldest+1",
            "{\"oldest\":-1,\"newest\":-1}          | oldest   | must be >= 0",
            "{\"oldest\":3}                         | newest   | Missing",
            "{\"oldest\":\"three\",\"newest\":4}    | oldest   | Cannot deserialize",
            "{\"oldest\":null,\"newest\":4}         | oldest   | null",
    })
    void windowErrorsNameKeyAndField(String json, String field, String fragment) {
        RecordCodecException e = assertThrows(RecordCodecException.class,
                () -> Records.fromJson(KEY, json, Window.class));
        assertEquals(KEY, e.key());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith("etcd key " + KEY + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "{\"oldest\":1,\"newest\":1} trailing", "[1,2]"})
    void unreadableDocumentsAreErrorsNamingTheKey(String json) {
        RecordCodecException e = assertThrows(RecordCodecException.class,
                () -> Records.fromJson(KEY, json, Window.class));
        assertEquals(KEY, e.key());
        assertTrue(e.getMessage().contains(KEY), e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnoredForRollingUpgrades() {
        assertEquals(new Window(1, 2), Records.fromJson(KEY, "{\"oldest\":1,\"newest\":2,\"future\":true}", Window.class));
    }

    @Test
    void nestedErrorsNameTheNestedField() {
        String json = "{\"version\":1,\"checksum\":\"c\",\"tables\":{\"t\":[\"a\",\" \"]}}";
        RecordCodecException e = assertThrows(RecordCodecException.class,
                () -> Records.fromJson("/k", json, Catalog.class));
        assertEquals("tables.t", e.field(), e.getMessage());
        String badMode = "{\"lease\":1,\"mode\":\"sideways\",\"writer\":false,\"epoch\":0,\"deadlineSlackMillis\":0,"
                + "\"versionsInUse\":{},\"connections\":0,\"lagBytes\":null,\"at\":\"2026-11-23T22:00:00Z\"}";
        RecordCodecException m = assertThrows(RecordCodecException.class,
                () -> Records.fromJson("/p", badMode, ProxyStatus.class));
        assertEquals("mode", m.field(), m.getMessage());
        assertTrue(m.getMessage().contains("'sideways' is not a mode"), m.getMessage());
    }

    @Test
    void modeIsParsedLeniently() {
        Map<String, Mode> cases = Map.of("writable", Mode.WRITABLE, "  Writable\n", Mode.WRITABLE,
                "read-only", Mode.READ_ONLY, "READ_ONLY", Mode.READ_ONLY, "readonly", Mode.READ_ONLY,
                "\"read only\"", Mode.READ_ONLY, "'paused'", Mode.PAUSED, "PAUSED\r\n", Mode.PAUSED,
                "ro", Mode.READ_ONLY);
        cases.forEach((text, expected) -> assertEquals(expected, Mode.parse(text), text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "stopped", "read--only", "\"\"", "writeable!"})
    void unknownModeIsAClearError(String text) {
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> Mode.parse(text));
        assertEquals("mode", e.field());
        assertTrue(e.getMessage().contains("use writable, read-only or paused"), e.getMessage());
        assertFalse(Mode.tryParse(text).isPresent());
    }

    @Test
    void versionCountsSumOverProxies() {
        ProxyStatus a = new ProxyStatus(1, Mode.WRITABLE, true, 3, 10, Map.of(4, 1, 5, 2), 3, 0, 0, null, AT);
        ProxyStatus b = new ProxyStatus(2, Mode.READ_ONLY, false, 0, 0, Map.of(5, 4), 4, 0, 0, 100L, AT);
        assertEquals(Map.of(4, 1, 5, 6), ProxyStatus.sumVersions(List.of(a, b)));
        assertEquals(0, b.connectionsUsing(4));
    }

    @Test
    void windowMovesByOneVersionAtATime() {
        Window w = Window.of(4);
        assertEquals(new Window(4, 5), w.widen());
        assertEquals(Window.of(5), w.widen().narrow());
        assertThrows(IllegalStateException.class, () -> w.widen().widen());
        assertTrue(new Window(4, 5).contains(4));
        assertFalse(new Window(4, 5).contains(6));
    }

    @Test
    void recordsAreImmutableCopies() {
        java.util.HashMap<String, List<String>> tables = new java.util.HashMap<>(Map.of("t", List.of("a")));
        Catalog c = new Catalog(1, "x", tables);
        tables.put("u", List.of("b"));
        assertFalse(c.hasTable("u"));
        assertThrows(UnsupportedOperationException.class, () -> c.tables().put("v", List.of()));
        assertTrue(c.hasColumn("t", "a"));
    }

    @Test
    void namesInRecordsFollowTheKeyRules() {
        InvalidRecordException e = assertThrows(InvalidRecordException.class,
                () -> new WriterRecord("eu/1", "p", AT));
        assertEquals("cluster", e.field());
    }

    @Test
    void aJournalWrittenBeforeTimingWasRecordedReadsWithoutTiming() {
        String older = Records.toJson(new MigrationJournal("run-1", 5, MigrationJournal.State.EXPANDING, Step.EXPAND, 1,
                Set.of("eu-1"), 9, AT, null)).replace(",\"timing\":{\"previousWaveEnded\":null,\"waveBegun\":null,"
                + "\"gateSince\":null,\"waiting\":null}", "");
        assertFalse(older.contains("timing"), older);
        assertEquals(MigrationJournal.Timing.NONE, Records.fromJson(KEY, older, MigrationJournal.class).timing());
    }

    @Test
    void migrationLifecycleAllowsOnlyItsTransitions() {
        MigrationJournal j = new MigrationJournal("r", 2, MigrationJournal.State.PREFLIGHTED, null, 0, Set.of(), 1, AT, null);
        MigrationJournal expanding = j.moveTo(MigrationJournal.State.EXPANDING, Step.EXPAND, 0, Set.of(), 1, AT, null);
        assertEquals(MigrationJournal.State.EXPANDING, expanding.state());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> j.moveTo(MigrationJournal.State.CONTRACTING, Step.CONTRACT, 0, Set.of(), 1, AT, null));
        assertTrue(e.getMessage().contains("cannot move from preflighted to contracting"), e.getMessage());
        assertThrows(InvalidRecordException.class,
                () -> expanding.moveTo(MigrationJournal.State.HALTED, Step.EXPAND, 0, Set.of(), 1, AT, " "));
        assertTrue(MigrationJournal.State.HALTED.canMoveTo(MigrationJournal.State.EXPANDING));
        MigrationJournal ordered = expanding.withWaveOrder(Step.EXPAND, List.of(List.of("b"), List.of("a")));
        assertEquals(List.of(List.of("b"), List.of("a")), ordered.moveTo(MigrationJournal.State.HALTED, Step.EXPAND, 0,
                Set.of(), 1, AT, "x").waveOrder(Step.EXPAND).orElseThrow(), "a move keeps the recorded orders");
        assertTrue(ordered.waveOrder(Step.CONTRACT).isEmpty());
        assertThrows(InvalidRecordException.class, () -> expanding.withWaveOrder(Step.EXPAND, List.of(List.of())));
        assertFalse(MigrationJournal.State.DONE.canMoveTo(MigrationJournal.State.HALTED));
        for (MigrationJournal.State s : MigrationJournal.State.values()) {
            assertEquals(s, MigrationJournal.State.parse(s.text()));
        }
    }
}
