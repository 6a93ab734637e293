package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * StartupMessage: protocol version (major in the high 16 bits) and name/value parameters such as
 * {@code user}, {@code database} and {@code options}, ending with an empty name.
 *
 * @param protocolVersion the requested version, {@code 196608} for 3.0
 * @param parameters      parameters in the order sent (a repeated name: its last value); {@code user} is always present
 */
public record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {

    /** Protocol 3.0. */
    public static final int PROTOCOL_3_0 = 3 << 16;
    /** Parameters with this prefix are protocol extensions negotiated with NegotiateProtocolVersion. */
    public static final String PROTOCOL_OPTION_PREFIX = "_pq_.";

    public StartupMessage {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Major protocol version. */
    public int major() {
        return protocolVersion >>> 16;
    }

    /** Minor protocol version. */
    public int minor() {
        return protocolVersion & 0xFFFF;
    }

    /** Names of {@code _pq_.} protocol options the client asked for. */
    public List<String> protocolOptions() {
        List<String> names = new ArrayList<>();
        for (String name : parameters.keySet()) {
            if (name.startsWith(PROTOCOL_OPTION_PREFIX)) {
                names.add(name);
            }
        }
        return names;
    }

    /** This message as protocol 3.0 without {@code _pq_.} options: what the proxy sends upstream. */
    public StartupMessage asVersion30() {
        Map<String, String> kept = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            if (!k.startsWith(PROTOCOL_OPTION_PREFIX)) {
                kept.put(k, v);
            }
        });
        return new StartupMessage(PROTOCOL_3_0, kept);
    }

    /** Decodes a packet whose code is a protocol version; see {@link StartupPacket#decode}. */
    static StartupPacket decode(ByteBuf packet) {
        int start = packet.readerIndex();
        int end = start + packet.readableBytes();
        int version = packet.getInt(start + 4);
        int major = version >>> 16;
        if (major != 3) {
            return new Invalid(ProtocolViolation.of("unsupported frontend protocol " + major + "."
                    + (version & 0xFFFF) + ": the proxy supports protocol 3.0"));
        }
        if (packet.getByte(end - 1) != 0) {
            return new Invalid(ProtocolViolation.of("StartupMessage does not end with a zero byte"));
        }
        ByteBuf view = packet.duplicate().readerIndex(start + 8);
        Map<String, String> params = new LinkedHashMap<>();
        while (view.readerIndex() < end - 1) {
            String name = CStrings.read(view, end);
            String value = name == null ? null : CStrings.read(view, end);
            if (value == null) {
                return new Invalid(ProtocolViolation.of("StartupMessage parameter " + params.size()
                        + " is not a name and value each ending with a zero byte"));
            }
            if (name.isEmpty()) {
                return new Invalid(ProtocolViolation.of("StartupMessage has an empty parameter name before its end"));
            }
            // PostgreSQL accepts a repeated parameter and the last value wins (ProcessStartupPacket assigns it
            // again); the map keeps the first position and the last value, which the server reads the same way.
            params.put(name, value);
        }
        if (view.readerIndex() != end - 1) {
            return new Invalid(ProtocolViolation.of("StartupMessage parameters overrun the packet"));
        }
        if (!params.containsKey("user")) {
            return new Invalid(ProtocolViolation.of("StartupMessage has no \"user\" parameter"));
        }
        return new StartupMessage(version, params);
    }

    /** Encodes the packet. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int length = 4 + 4 + 1;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            length += CStrings.length(e.getKey()) + CStrings.length(e.getValue());
        }
        ByteBuf buf = alloc.buffer(length);
        buf.writeInt(length).writeInt(protocolVersion);
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            CStrings.write(buf, e.getKey());
            CStrings.write(buf, e.getValue());
        }
        return buf.writeByte(0);
    }

    @Override
    public String toString() {
        return "StartupMessage[" + major() + "." + minor() + ", " + parameters + "]";
    }
}
