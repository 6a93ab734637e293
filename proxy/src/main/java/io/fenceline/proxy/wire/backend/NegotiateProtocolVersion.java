package io.fenceline.proxy.wire.backend;

import io.fenceline.proxy.wire.CStrings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): sent when the client asked for a newer minor version of protocol 3
 * or for {@code _pq_.} options the server does not know; names the newest supported minor version and
 * the unrecognized options. The session then continues in the older version. (A different major
 * version is not negotiated: it is refused with an ErrorResponse.)
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) {

    public NegotiateProtocolVersion {
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int len = 4 + 4 + 4;
        for (String o : unrecognizedOptions) {
            len += CStrings.length(o);
        }
        ByteBuf buf = alloc.buffer(1 + len).writeByte(BackendType.NEGOTIATE_PROTOCOL_VERSION).writeInt(len)
                .writeInt(newestMinorVersion).writeInt(unrecognizedOptions.size());
        for (String o : unrecognizedOptions) {
            CStrings.write(buf, o);
        }
        return buf;
    }
}
