package io.fenceline.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one {@link FuzzSession} over a raw socket (protocol 3.0, trust authentication): the startup packet, then
 * each step in one write, reading the answers of awaited steps up to their last ReadyForQuery. It never
 * interprets the answers beyond counting ReadyForQuery and collecting SQLSTATEs: the verdict is the database's.
 */
final class WireClient {

    /** What the client saw; the oracle does not depend on it. */
    record Outcome(List<String> sqlStates, boolean closedByServer, boolean stuck, String note) {
        String summary() {
            return "errors " + sqlStates + (closedByServer ? ", closed by the server" : "")
                    + (stuck ? ", stuck: " + note : "");
        }
    }

    private final InetSocketAddress address;
    private final int readTimeoutMillis;

    WireClient(InetSocketAddress address, int readTimeoutMillis) {
        this.address = address;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    Outcome run(FuzzSession session, String user, String database) {
        List<String> states = new ArrayList<>();
        try (Socket socket = new Socket()) {
            socket.connect(address, readTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            OutputStream out = socket.getOutputStream();
            out.write(startup(user, database, session.startup()));
            out.flush();
            if (!readUntilReady(in, 1, states)) {
                return new Outcome(states, true, false, "at startup");
            }
            int pending = 0;
            for (Step step : session.steps()) {
                out.write(step.bytes());
                out.flush();
                pending += step.readyCount();
                if (step.awaited()) {
                    if (!readUntilReady(in, pending, states)) {
                        return new Outcome(states, true, false, "");
                    }
                    pending = 0;
                }
            }
            if (!readUntilReady(in, pending, states)) {
                return new Outcome(states, true, false, "");
            }
            out.write(new byte[] {'X', 0, 0, 0, 4});
            out.flush();
            return new Outcome(states, false, false, "");
        } catch (SocketTimeoutException e) {
            return new Outcome(states, false, true, "no answer within " + readTimeoutMillis + " ms");
        } catch (IOException e) {
            return new Outcome(states, true, false, e.toString());
        }
    }

    /** Reads until {@code count} ReadyForQuery arrived; false when the server closed the connection first. */
    private static boolean readUntilReady(DataInputStream in, int count, List<String> states) throws IOException {
        int seen = 0;
        while (seen < count) {
            int type;
            try {
                type = in.readUnsignedByte();
            } catch (EOFException e) {
                return false;
            }
            int len = in.readInt();
            if (len < 4 || len > (64 << 20)) {
                throw new IOException("bad length " + len + " of message '" + (char) type + "'");
            }
            byte[] body = new byte[len - 4];
            in.readFully(body);
            if (type == 'Z') {
                seen++;
            } else if (type == 'E') {
                states.add(field(body, 'C'));
                if ("FATAL".equals(field(body, 'V')) || "PANIC".equals(field(body, 'V'))) {
                    return false;
                }
            }
        }
        return true;
    }

    static String field(byte[] body, char which) {
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char k = (char) body[i++];
            int s = i;
            while (i < body.length && body[i] != 0) {
                i++;
            }
            if (k == which) {
                return new String(body, s, i - s, StandardCharsets.UTF_8);
            }
            i++;
        }
        return "";
    }

    private static byte[] startup(String user, String database, Map<String, String> extra) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String s : new String[] {"user", user, "database", database}) {
            b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        extra.forEach((k, v) -> {
            b.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            b.write(0);
            b.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        });
        b.write(0);
        byte[] body = b.toByteArray();
        return ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(196608).put(body).array();
    }
}
