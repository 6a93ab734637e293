package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/**
 * Large-object functions as the inspector and the fast path judge them: every writer is a write however it is
 * spelled, reading is a read, and {@code lo_open} follows its mode (a constant without {@code INV_WRITE} reads;
 * anything the proxy cannot read is a write).
 */
class LargeObjectsTest {

    private final Inspector inspector = Inspector.create();

    private Verdict one(String sql) {
        List<Verdict> v = inspector.inspect(sql);
        assertEquals(1, v.size(), sql);
        return v.get(0);
    }

    @Test
    void everyWriterIsAWriteHoweverSpelled() {
        for (String sql : List.of(
                "SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_from_bytea(0, '\\x41'::bytea)",
                "SELECT lo_import('/etc/hostname')", "SELECT lo_import('/etc/hostname', 5000)",
                "SELECT lo_put(1000, 0, 'x')", "SELECT lowrite(0, 'x')", "SELECT lo_truncate(0, 0)",
                "SELECT lo_truncate64(0, 0)", "SELECT lo_unlink(1000)",
                "SELECT pg_catalog.lo_create(0)", "SELECT \"lo_create\"(0)", "SELECT pg_catalog.\"lo_from_bytea\"(0, 'x')",
                "SELECT PG_CATALOG.LO_CREATE(0)", "select Lo_Unlink(1000)", "SELECT * FROM lo_create(0)",
                "SELECT x FROM lo_from_bytea(0, 'x') AS x", "SELECT length(lo_get(lo_from_bytea(0, 'x')))",
                "SELECT 1 WHERE lo_unlink(1000) = 1", "VALUES (lo_create(0))",
                "SELECT (SELECT lo_create(0))", "WITH c AS (SELECT lo_create(0) AS o) SELECT o FROM c",
                "SELECT CASE WHEN true THEN lo_create(0) END",
                "SELECT lo_unlink(oid) FROM pg_largeobject_metadata",
                "SELECT lo_open(1000, 131072)", "SELECT lo_open(1000, 393216)", "SELECT lo_open(1000, x'20000'::int)",
                "SELECT lo_open(1000, $1)", "SELECT lo_open(1000, -262144)", "SELECT lo_open(1000, 262144 | 131072)",
                "SELECT lo_open(1000, 262144.0)", "SELECT lo_open(1000, 262144), lo_open(1000, 131072)",
                "SELECT lo_open(1000, 262144), lo_create(0)", "SELECT lo_open(1000, 262144) FROM t FOR UPDATE",
                "SELECT lo_open(1000, 2147614720)")) {
            Verdict v = one(sql);
            assertTrue(v.mayWrite(), sql + " -> " + v);
        }
    }

    @Test
    void readingIsARead() {
        for (String sql : List.of(
                "SELECT lo_get(1000)", "SELECT lo_get(1000, 0, 2)", "SELECT loread(0, 5)", "SELECT lo_lseek(0, 0, 0)",
                "SELECT lo_tell(0)", "SELECT lo_close(0)", "SELECT lo_open(1000, 262144)",
                "SELECT pg_catalog.lo_open(1000, 262144)", "SELECT \"lo_open\"(1000, 262144)",
                "SELECT loread(lo_open(1000, 262144), 100)", "SELECT lo_open(oid, 262144) FROM pg_largeobject_metadata",
                "SELECT lo_open(1000, 0)", "SELECT lo_export(1000, '/tmp/x')")) {
            Verdict v = one(sql);
            assertFalse(v.mayWrite(), sql + " -> " + v);
        }
    }

    @Test
    void readingAndWritingOpensDoNotShareACachedVerdict() {
        assertFalse(one("SELECT lo_open(1000, 262144)").mayWrite());
        assertTrue(one("SELECT lo_open(1000, 131072)").mayWrite());
        assertFalse(one("SELECT lo_open(2000, 262144)").mayWrite());
        assertTrue(one("SELECT lo_open(2000, 393216)").mayWrite());
    }

    @Test
    void fastPathByOid() {
        for (int oid : new int[] {715, 764, 767, 955, 957, 964, 1004, 3172, 3457, 3460}) {
            assertTrue(LargeObjects.functionCall(oid, OptionalInt.empty()).mayWrite(), "oid " + oid);
            assertTrue(LargeObjects.functionCall(oid, OptionalInt.empty()).understood(), "oid " + oid);
        }
        for (int oid : new int[] {953, 954, 956, 958, 3170, 3171, 3458, 3459}) {
            assertFalse(LargeObjects.functionCall(oid, OptionalInt.empty()).mayWrite(), "oid " + oid);
        }
        assertFalse(LargeObjects.functionCall(952, OptionalInt.of(LargeObjects.INV_READ)).mayWrite());
        assertTrue(LargeObjects.functionCall(952, OptionalInt.of(LargeObjects.INV_WRITE)).mayWrite());
        assertTrue(LargeObjects.functionCall(952, OptionalInt.of(LargeObjects.INV_READ | LargeObjects.INV_WRITE)).mayWrite());
        assertTrue(LargeObjects.functionCall(952, OptionalInt.empty()).mayWrite());
        Verdict other = LargeObjects.functionCall(1598, OptionalInt.empty());
        assertFalse(other.understood());
        assertTrue(other.mayWrite());
        assertTrue(LargeObjects.functionCall(765, OptionalInt.empty()).mayWrite(), "lo_export writes a server file: not understood");
    }
}
