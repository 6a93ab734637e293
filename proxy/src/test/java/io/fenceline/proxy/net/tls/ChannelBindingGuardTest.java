package io.fenceline.proxy.net.tls;

import io.fenceline.proxy.wire.Bytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel-binding guard on a server connection over TLS, byte for byte, fed one byte at a time. */
class ChannelBindingGuardTest {

    private static byte[] authentication(int code, byte[] rest) {
        byte[] body = new byte[4 + rest.length];
        body[0] = (byte) (code >>> 24);
        body[1] = (byte) (code >>> 16);
        body[2] = (byte) (code >>> 8);
        body[3] = (byte) code;
        System.arraycopy(rest, 0, body, 4, rest.length);
        return Bytes.message('R', body);
    }

    private static byte[] mechanisms(String... names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String n : names) {
            out.writeBytes(n.getBytes(StandardCharsets.US_ASCII));
            out.write(0);
        }
        out.write(0);
        return out.toByteArray();
    }

    /** SASLInitialResponse choosing {@code mechanism} with the client-first-message {@code first}. */
    private static byte[] initialResponse(String mechanism, String first) {
        byte[] data = first.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(mechanism.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        out.write(data.length >>> 24);
        out.write(data.length >>> 16);
        out.write(data.length >>> 8);
        out.write(data.length);
        out.writeBytes(data);
        return Bytes.message('p', out.toByteArray());
    }

    private static void feedByteByByte(EmbeddedChannel ch, byte[] bytes) {
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    private static byte[] allInbound(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            out.writeBytes(Bytes.drain(b));
        }
        return out.toByteArray();
    }

    @Test
    void plusIsRemovedFromTheOfferAndEverythingElseIsRelayedUntouched() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelBindingGuard(true));
        byte[] offer = authentication(10, mechanisms("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"));
        byte[] cont = authentication(11, "r=abc,s=c2FsdA==,i=4096".getBytes(StandardCharsets.US_ASCII));
        feedByteByByte(ch, Bytes.concat(offer, cont));
        assertArrayEquals(Bytes.concat(authentication(10, mechanisms("SCRAM-SHA-256")), cont), allInbound(ch));
        // AuthenticationOk and what follows in the same read pass as they are, and the guard leaves.
        byte[] ok = authentication(0, new byte[0]);
        byte[] status = Bytes.message('S', "application_name\0x\0".getBytes(StandardCharsets.US_ASCII));
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.concat(ok, status)));
        assertArrayEquals(Bytes.concat(ok, status), allInbound(ch));
        assertNull(ch.pipeline().get(ChannelBindingGuard.class));
        assertFalse(ch.finish());
    }

    @Test
    void anOfferWithoutPlusAndOtherAuthenticationRequestsAreByteIdentical() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelBindingGuard(true));
        byte[] md5 = authentication(5, new byte[] {1, 2, 3, 4});
        feedByteByByte(ch, md5);
        assertArrayEquals(md5, allInbound(ch));
        byte[] error = Bytes.message('E', "SFATAL\0C28P01\0Mpassword authentication failed\0\0".getBytes(StandardCharsets.US_ASCII));
        ch.writeInbound(Unpooled.wrappedBuffer(error));
        assertArrayEquals(error, allInbound(ch));
        assertNull(ch.pipeline().get(ChannelBindingGuard.class), "an error ends authentication");
        assertFalse(ch.finish());
    }

    @Test
    void aTlsClientThatCouldBindIsRefusedWithWhatToDoAndNothingReachesTheServer() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelBindingGuard(true));
        ch.writeInbound(Unpooled.wrappedBuffer(authentication(10, mechanisms("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))));
        allInbound(ch);
        ch.writeOutbound(Unpooled.wrappedBuffer(initialResponse("SCRAM-SHA-256", "y,,n=,r=clientnonce")));
        assertNull(ch.readOutbound(), "the SASLInitialResponse is not sent");
        ch.runPendingTasks();
        byte[] answer = allInbound(ch);
        Map<Character, String> fields = Bytes.errorFields(answer);
        assertEquals("FATAL", fields.get('S'));
        assertEquals("08P01", fields.get('C'));
        assertTrue(fields.get('M').contains("channel_binding=disable"), fields.get('M'));
        assertFalse(ch.isOpen(), "the server connection is closed");
    }

    @Test
    void choosingPlusAnywayIsRefusedToo() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelBindingGuard(false));
        ch.writeInbound(Unpooled.wrappedBuffer(authentication(10, mechanisms("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))));
        allInbound(ch);
        ch.writeOutbound(Unpooled.wrappedBuffer(initialResponse("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=x")));
        assertNull(ch.readOutbound());
        ch.runPendingTasks();
        assertEquals("08P01", Bytes.errorFields(allInbound(ch)).get('C'));
    }

    @Test
    void aClientThatDoesNotBindPassesAndSoDoesYFromAPlainTextClient() {
        for (boolean clientOnTls : new boolean[] {true, false}) {
            EmbeddedChannel ch = new EmbeddedChannel(new ChannelBindingGuard(clientOnTls));
            ch.writeInbound(Unpooled.wrappedBuffer(authentication(10, mechanisms("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))));
            allInbound(ch);
            String first = clientOnTls ? "n,,n=,r=x" : "y,,n=,r=x";
            byte[] sent = initialResponse("SCRAM-SHA-256", first);
            ch.writeOutbound(Unpooled.wrappedBuffer(sent));
            ByteBuf out = ch.readOutbound();
            assertNotNull(out, first);
            assertArrayEquals(sent, Bytes.drain(out));
            // Only the first 'p' after the offer is judged: the SASLResponse that follows passes.
            byte[] response = Bytes.message('p', "c=biws,r=x,p=proof".getBytes(StandardCharsets.US_ASCII));
            ch.writeOutbound(Unpooled.wrappedBuffer(response));
            assertArrayEquals(response, Bytes.drain(ch.readOutbound()));
            assertTrue(ch.isOpen());
            ch.finishAndReleaseAll();
        }
    }
}
