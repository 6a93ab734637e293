package io.fenceline.proxy.fuzz;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator without processes: determinism, the framing of its messages, and the rules the client relies on. */
class SessionGeneratorTest {

    @Test
    void aSeedAndAnIndexMakeTheSameBytesAgain() {
        for (int i = 0; i < 200; i++) {
            FuzzSession a = new SessionGenerator(7).session(i);
            FuzzSession b = new SessionGenerator(7).session(i);
            assertEquals(a.describe(), b.describe());
            assertEquals(a.startup(), b.startup());
            for (int s = 0; s < a.steps().size(); s++) {
                assertArrayEquals(a.steps().get(s).bytes(), b.steps().get(s).bytes());
            }
        }
    }

    @Test
    void messagesAreFramedAsTheProtocolSays() {
        assertArrayEquals(new byte[] {'P', 0, 0, 0, 18, 's', '1', 0, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0, 0, 0},
                Msg.parse("s1", "SELECT 1".getBytes(StandardCharsets.US_ASCII), StandardCharsets.UTF_8).frame());
        assertArrayEquals(new byte[] {'B', 0, 0, 0, 14, 'p', 0, 's', 0, 0, 0, 0, 0, 0, 0},
                Msg.bind("p", "s").frame());
        assertArrayEquals(new byte[] {'E', 0, 0, 0, 9, 0, 0, 0, 0, 0}, Msg.execute("").frame());
        assertArrayEquals(new byte[] {'S', 0, 0, 0, 4}, Msg.sync().frame());
        assertArrayEquals(new byte[] {'C', 0, 0, 0, 7, 'S', 'x', 0}, Msg.close('S', "x").frame());
        assertEquals("\"E'\\x97\\\\'\"", Msg.show(new byte[] {'E', '\'', (byte) 0x97, 0x5c, '\''}, StandardCharsets.UTF_8));
    }

    /**
     * The client counts ReadyForQuery per Query and Sync: a Query must never follow extended messages still waiting
     * for their Sync (after an error the server would skip it), and a COPY FROM STDIN carries its CopyDone.
     */
    @Test
    void noQueryFollowsUnsyncedExtendedMessagesAndEveryCopyInEnds() {
        for (int i = 0; i < 2000; i++) {
            FuzzSession s = new SessionGenerator(13).session(i);
            boolean open = false;
            for (Step step : s.steps()) {
                boolean copyIn = false;
                for (Msg m : step.messages()) {
                    if (m.type() == 'Q') {
                        assertFalse(open, s.describe());
                    }
                    if (m.type() == 'S' || m.type() == 'Q') {
                        open = false;
                    } else if (m.type() != 'd' && m.type() != 'c') {
                        open = true;
                    }
                    String text = new String(m.body(), StandardCharsets.ISO_8859_1).toUpperCase();
                    copyIn |= text.contains("FROM STDIN");
                    copyIn &= m.type() != 'c';
                }
                assertFalse(copyIn, "a COPY FROM STDIN without CopyDone: " + s.describe());
                assertFalse(open, "a step ends with extended messages and no Sync: " + s.describe());
            }
        }
    }

    @Test
    void theGeneratorsOfIssue13AllOccur() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            new SessionGenerator(13).session(i).steps().forEach(s -> seen.add(s.generator().replaceAll(" \\(.*", "")));
        }
        for (String g : Arrays.asList("lift", "write.plain", "write.hidden", "write.copy-from-stdin", "hide.backslash-quote",
                "hide.multibyte-0x5c", "hide.quoting", "hide.soup", "setting", "setting.client_encoding",
                "setting.standard_conforming_strings", "transaction", "transaction.commit", "transaction.two-phase",
                "protocol.parse-name-reused-after-42P05", "protocol.unnamed-portal-outlives-its-statement",
                "protocol.portal-across-batches", "protocol.deallocate-then-reparse", "protocol.close-then-reuse",
                "protocol.pipelined-mix", "protocol.pipelined-reads", "read")) {
            assertTrue(seen.contains(g), g + " never generated; seen " + seen);
        }
    }

    @Test
    void trailBackslashCharactersExistWhereExpected() {
        assertArrayEquals(new byte[] {(byte) 0x95, 0x5c}, "表".getBytes(java.nio.charset.Charset.forName("Shift_JIS")));
        assertTrue(Texts.trailBackslash(java.nio.charset.Charset.forName("Shift_JIS")) != null);
        assertTrue(Texts.trailBackslash(java.nio.charset.Charset.forName("Big5")) != null);
        assertTrue(Texts.trailBackslash(java.nio.charset.Charset.forName("GBK")) != null);
        assertEquals(null, Texts.trailBackslash(StandardCharsets.UTF_8));
    }
}
