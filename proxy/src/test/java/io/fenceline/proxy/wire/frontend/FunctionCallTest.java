package io.fenceline.proxy.wire.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/** FunctionCall ('F') decoded and encoded byte for byte, as libpq's PQfn and pgJDBC's Fastpath send it. */
class FunctionCallTest {

    /** pgJDBC's lo_open(16390, INV_READ): both arguments binary (one format code for all), binary result. */
    private static final String PGJDBC_LO_OPEN = "46" + "00000020" + "000003b8" + "0001" + "0001" + "0002"
            + "00000004" + "00004006" + "00000004" + "00040000" + "0001";

    @Test
    void decodesPgjdbcsLoOpenByteForByte() {
        ByteBuf frame = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(PGJDBC_LO_OPEN));
        FunctionCall call = assertInstanceOf(FunctionCall.Ok.class, FunctionCall.decode(frame)).call();
        assertEquals(952, call.functionOid());
        assertEquals(List.of((short) 1), call.formats());
        assertEquals(2, call.arguments().size());
        assertEquals(OptionalInt.of(16390), call.intArgument(0));
        assertEquals(OptionalInt.of(0x40000), call.intArgument(1));
        assertEquals(1, call.resultFormat());
        assertEquals(0, frame.readerIndex(), "decoding leaves the buffer as it was");
        ByteBuf encoded = call.encode(ByteBufAllocator.DEFAULT);
        assertEquals(PGJDBC_LO_OPEN, ByteBufUtil.hexDump(encoded));
        encoded.release();
        frame.release();
    }

    private static FunctionCall roundTrip(FunctionCall call) {
        ByteBuf encoded = call.encode(ByteBufAllocator.DEFAULT);
        try {
            return assertInstanceOf(FunctionCall.Ok.class, FunctionCall.decode(encoded)).call();
        } finally {
            encoded.release();
        }
    }

    @Test
    void textArgumentsAndNulls() {
        FunctionCall call = new FunctionCall(952, List.of((short) 0, (short) 0),
                Arrays.asList("1000".getBytes(), " 262144 ".getBytes()), (short) 0);
        FunctionCall back = roundTrip(call);
        assertEquals(OptionalInt.of(262144), back.intArgument(1));
        FunctionCall none = new FunctionCall(952, List.of(), Arrays.asList("1000".getBytes(), null), (short) 0);
        FunctionCall noneBack = roundTrip(none);
        assertEquals(OptionalInt.empty(), noneBack.intArgument(1), "NULL is no mode");
        assertEquals(OptionalInt.empty(), noneBack.intArgument(2), "absent is no mode");
        assertEquals(null, noneBack.arguments().get(1));
        assertArrayEquals("1000".getBytes(), noneBack.arguments().get(0));
        FunctionCall odd = new FunctionCall(952, List.of(), Arrays.asList("1000".getBytes(), "0x40000".getBytes()), (short) 0);
        assertEquals(OptionalInt.empty(), odd.intArgument(1), "not an int4 as int4in reads it");
    }

    @Test
    void malformedMessagesAreViolations() {
        for (String hex : List.of("4600000008000003b8", "46" + "0000000e" + "000003b8" + "0000" + "0001" + "00000004",
                "46" + "00000010" + "000003b8" + "0002" + "00010001" + "0001" + "00",
                "46" + "0000000c" + "000003b8" + "0000" + "0000")) {
            ByteBuf frame = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
            assertTrue(FunctionCall.decode(frame) instanceof FunctionCall.Malformed, hex);
            frame.release();
        }
    }
}
