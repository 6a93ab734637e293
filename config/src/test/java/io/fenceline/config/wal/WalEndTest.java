package io.fenceline.config.wal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WalEndTest {

    private static final long PAGE = 8192;
    private static final long SEGMENT = 16L << 20;

    @Test
    void aPositionJustPastAPageHeaderIsTakenBackToThePageBoundary() {
        assertEquals("0/3000000", WalEnd.text(WalEnd.of(WalEnd.parse("0/3000028"), PAGE, SEGMENT)));
        assertEquals("0/1AE2000", WalEnd.text(WalEnd.of(WalEnd.parse("0/1AE2018"), PAGE, SEGMENT)));
        assertEquals("1/1AE2019", WalEnd.text(WalEnd.of(WalEnd.parse("1/1AE2019"), PAGE, SEGMENT)));
        assertEquals("0/15510D8", WalEnd.text(WalEnd.of(WalEnd.parse("0/15510D8"), PAGE, SEGMENT)));
        assertEquals(PAGE * 3, WalEnd.of(PAGE * 3 + 24, PAGE, SEGMENT));
        assertEquals(PAGE * 3 + 100, WalEnd.of(PAGE * 3 + 100, PAGE, SEGMENT));
        // 24 bytes into a segment lies inside its first page's long header: never an insert position, kept as is.
        assertEquals(SEGMENT + 24, WalEnd.of(SEGMENT + 24, PAGE, SEGMENT));
    }

    @Test
    void textAndParseAreInverse() {
        for (long lsn : new long[] {0, 0x16B3748L, 0x1_0000_0000L, 0xFFFF_FFFF_FFFF_FFFFL}) {
            assertEquals(lsn, WalEnd.parse(WalEnd.text(lsn)));
        }
        assertEquals("FFFFFFFF/FFFFFFFF", WalEnd.text(-1));
        assertThrows(IllegalArgumentException.class, () -> WalEnd.parse("16B3748"));
    }
}
