package io.fenceline.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes client sessions at random from a seed: {@code session(i)} is a pure function of the seed and {@code i}.
 * A session is a startup packet (sometimes with options or a client encoding) and up to eight steps drawn from
 * the generators below; half the sessions follow the shape "setting, lift, write, commit" with each part drawn
 * at random (the shape of every hole in issue 13), the other half are free sequences. Each step names its
 * generator, so a report says which generator found a hole. The list is in docs/safety-fuzz.md.
 */
public final class SessionGenerator {

    /** The generator of steps that only read: any error they get is a read refused by a non-writer. */
    static final String PIPELINED_READS = "protocol.pipelined-reads";

    private static final String[] STATEMENT_NAMES = {"", "s1", "s2"};
    private static final String[] PORTAL_NAMES = {"", "p1"};

    private final long seed;

    public SessionGenerator(long seed) {
        this.seed = seed;
    }

    /** The {@code index}-th session of this seed. */
    public FuzzSession session(int index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 1);
        Builder b = new Builder(r);
        Map<String, String> startup = b.startup();
        switch (r.nextInt(5)) {
            case 0, 1 -> {
                // The shape of the holes: something that changes how text is read, a lift, a write, a commit.
                if (r.nextInt(3) == 0) {
                    b.setting();
                }
                if (r.nextInt(4) != 0) {
                    b.lift();
                }
                b.write();
                if (r.nextInt(3) == 0) {
                    b.write();
                }
                b.commit();
            }
            case 2 -> {
                // Text read differently: standard_conforming_strings off or a client encoding with 0x5C trail
                // bytes, then a write hidden in a string the proxy's lexer ends elsewhere.
                boolean strings = r.nextBoolean();
                b.readingSetting(strings);
                if (r.nextBoolean()) {
                    b.lift();
                }
                // A write the inspector sees in plain text: if it reaches the database, the lexer was misled.
                b.hidden(strings ? 0 : 1, Texts.PLAIN_WRITES);
                if (r.nextBoolean()) {
                    b.commit();
                }
            }
            case 3 -> {
                if (r.nextBoolean()) {
                    b.lift();
                }
                if (r.nextInt(4) == 0) {
                    b.pipelinedReads();
                    b.pipelinedReads();
                } else {
                    b.protocol();
                }
                if (r.nextBoolean()) {
                    b.commit();
                }
            }
            default -> {
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    b.any();
                }
                if (r.nextBoolean()) {
                    b.commit();
                }
            }
        }
        startup.putAll(b.startupExtra);
        return new FuzzSession(seed, index, startup, b.steps);
    }

    /** Builds one session's steps; tracks the client encoding the session is believed to have. */
    private static final class Builder {
        private final SplittableRandom r;
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, String> startupExtra = new LinkedHashMap<>();
        private int readNames;
        private Charset cs = StandardCharsets.UTF_8;

        Builder(SplittableRandom r) {
            this.r = r;
        }

        Map<String, String> startup() {
            Map<String, String> p = new LinkedHashMap<>();
            int k = r.nextInt(10);
            switch (k) {
                case 0 -> p.put("options", pickOf("-c default_transaction_read_only=off",
                        "-c transaction_read_only=off", "--default_transaction_read_only=off",
                        "-c default_transaction_read_only=0 -c statement_timeout=0",
                        "-c\\ x -c default_transaction_read_only=off"));
                case 1 -> p.put("default_transaction_read_only", pickOf("off", "false", "0"));
                case 2 -> p.put("options", "-c standard_conforming_strings=off");
                case 3 -> {
                    Texts.Encoding e = Texts.ENCODINGS.get(1 + r.nextInt(Texts.ENCODINGS.size() - 1));
                    p.put("client_encoding", e.pg());
                    cs = e.java();
                }
                case 4 -> p.put("options", "-c default_transaction_isolation=serializable");
                default -> { }
            }
            return p;
        }

        void any() {
            switch (r.nextInt(10)) {
                case 0, 1 -> lift();
                case 2, 3 -> write();
                case 4 -> setting();
                case 5 -> transaction();
                case 6 -> {
                    if (r.nextInt(3) == 0) {
                        pipelinedReads();
                    } else {
                        protocol();
                    }
                }
                case 7 -> hidden();
                case 8 -> read();
                default -> encoding();
            }
        }

        void lift() {
            statements("lift", split(Texts.pick(Texts.LIFTS, r)));
        }

        void write() {
            switch (r.nextInt(8)) {
                case 0 -> copy();
                case 1 -> hidden();
                case 2 -> protocol();
                case 3, 4 -> statements("write.hidden", split(Texts.pick(Texts.HIDDEN_WRITES, r)));
                default -> statements("write.plain", split(Texts.pick(Texts.PLAIN_WRITES, r)));
            }
        }

        void setting() {
            if (r.nextInt(3) == 0) {
                encoding();
            } else {
                statements("setting", List.of(Texts.pick(Texts.SETTINGS, r)));
            }
        }

        void transaction() {
            statements("transaction", List.of(Texts.pick(Texts.TRANSACTIONS, r)));
        }

        void read() {
            statements("read", List.of(Texts.pick(Texts.READS, r)));
        }

        void commit() {
            String c = pickOf("COMMIT", "COMMIT", "END", "COMMIT AND CHAIN", "PREPARE TRANSACTION 'gx'");
            if (c.startsWith("PREPARE")) {
                statements("transaction.two-phase", List.of(c, "COMMIT PREPARED 'gx'"));
            } else {
                statements("transaction.commit", List.of(c));
            }
        }

        /** SET client_encoding (or set_config of it); later texts are encoded in it. */
        void encoding() {
            Texts.Encoding e = Texts.ENCODINGS.get(r.nextInt(Texts.ENCODINGS.size()));
            String sql = r.nextInt(4) == 0 ? "SELECT set_config('client_encoding', '" + e.pg() + "', false)"
                    : r.nextInt(3) == 0 ? "SET NAMES '" + e.pg() + "'" : "SET client_encoding = '" + e.pg() + "'";
            List<Msg> m = List.of(Msg.query(sql.getBytes(StandardCharsets.US_ASCII), cs));
            steps.add(new Step("setting.client_encoding", m, true));
            cs = e.java();
        }

        /**
         * A write hidden inside quoting: a string that a lexer ignoring standard_conforming_strings, or one reading
         * the bytes as UTF-8, ends elsewhere than PostgreSQL does; or random soup of quote, comment and escape
         * fragments around a write.
         */
        void hidden() {
            hidden(r.nextInt(4), r.nextBoolean() ? Texts.PLAIN_WRITES : Texts.HIDDEN_WRITES);
        }

        /** {@link #hidden()} of one kind: 0 backslash-quote, 1 multi-byte 0x5C, 2 quoting, 3 soup. */
        void hidden(int kind, List<String> writes) {
            String w = Texts.pick(writes, r);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            String gen;
            switch (kind) {
                case 0 -> {
                    gen = "hide.backslash-quote";
                    b.writeBytes(bytes(pickOf("SELECT 'x\\'' ; ", "SELECT E'x\\'' ; ", "SELECT 'a\\\\' ; ",
                            "SELECT 'x\\\\'' ; ")));
                    b.writeBytes(bytes(w + "; --'"));
                }
                case 1 -> {
                    gen = "hide.multibyte-0x5c";
                    byte[] ch = Texts.trailBackslash(cs);
                    if (ch == null) {
                        ch = Texts.trailBackslash(java.nio.charset.Charset.forName("Shift_JIS"));
                    }
                    b.writeBytes(bytes(pickOf("SELECT E'", "SELECT '", "SELECT 'x' || E'")));
                    b.writeBytes(ch);
                    b.writeBytes(bytes("' ; " + w + "; --'"));
                }
                case 2 -> {
                    gen = "hide.quoting";
                    b.writeBytes(bytes(pickOf("SELECT $a$ $$ $a$ ; ", "SELECT $a$ $b$ $a$ ; ",
                            "SELECT /* /* */ 1 */ 2 ; ", "SELECT \"a;\"\"b\" FROM (SELECT 1) x(\"a;\"\"b\") ; ",
                            "SELECT U&'\\0027' ; ", "SELECT 1 -- x\n ; ", "SELECT $1$x$1$ ; ",
                            "SELECT E'\\\\' ; ", "SELECT E'\\047' ; ")));
                    b.writeBytes(bytes(w));
                }
                default -> {
                    gen = "hide.soup";
                    b.writeBytes(bytes("SELECT "));
                    int n = 2 + r.nextInt(6);
                    boolean placed = false;
                    for (int i = 0; i < n; i++) {
                        if (!placed && r.nextInt(n - i) == 0) {
                            b.writeBytes(bytes(" ; " + w + " ; "));
                            placed = true;
                        }
                        int f = r.nextInt(SOUP.length + 1);
                        if (f == SOUP.length) {
                            byte[] ch = Texts.trailBackslash(cs);
                            b.writeBytes(ch == null ? bytes("\\") : ch);
                        } else {
                            b.writeBytes(bytes(SOUP[f]));
                        }
                    }
                    if (!placed) {
                        b.writeBytes(bytes(" ; " + w));
                    }
                }
            }
            steps.add(shape(gen, List.of(b.toByteArray())));
        }

        /**
         * A setting under which PostgreSQL reads text differently: standard_conforming_strings off (SET, SET
         * LOCAL in a block, set_config, or the startup options), or a client encoding whose two-byte characters
         * may end in 0x5C (SET client_encoding, SET NAMES, or the startup parameter).
         */
        void readingSetting(boolean strings) {
            if (strings) {
                String how = pickOf("SET standard_conforming_strings = off", "SET standard_conforming_strings TO 'off'",
                        "SELECT set_config('standard_conforming_strings', 'off', false)", "startup");
                if (how.equals("startup")) {
                    startupExtra.put("options", "-c standard_conforming_strings=off");
                } else {
                    statements("setting.standard_conforming_strings", List.of(how));
                }
                return;
            }
            Texts.Encoding e = Texts.ENCODINGS.get(1 + r.nextInt(3)); // SJIS, BIG5, GBK
            if (r.nextInt(3) == 0) {
                startupExtra.put("client_encoding", e.pg());
                cs = e.java();
            } else {
                String sql = r.nextBoolean() ? "SET client_encoding = '" + e.pg() + "'" : "SET NAMES '" + e.pg() + "'";
                steps.add(new Step("setting.client_encoding", List.of(Msg.query(bytes(sql), cs)), true));
                cs = e.java();
            }
        }

        /**
         * Reads only, in several Sync batches sent at once without waiting (each with its own statement and portal
         * names): a non-writer must answer every one; an error here is a read refused.
         */
        void pipelinedReads() {
            List<Msg> m = new ArrayList<>();
            int batches = 2 + r.nextInt(4);
            for (int i = 0; i < batches; i++) {
                int k = readNames++;
                String name = r.nextBoolean() ? "" : "r" + k;
                String portal = r.nextBoolean() ? "" : "q" + k;
                m.add(Msg.parse(name, bytes(pickOf("SELECT 1", "SELECT count(*) FROM t", "SELECT $$x$$", "VALUES (2)")), cs));
                m.add(Msg.bind(portal, name));
                m.add(Msg.execute(portal));
                m.add(Msg.sync());
            }
            steps.add(new Step(PIPELINED_READS, m, false));
        }

        /** COPY FROM STDIN with its data and CopyDone in the same write, simple or extended. */
        void copy() {
            byte[] sql = bytes(pickOf("COPY t FROM STDIN", "COPY t (id, note) FROM STDIN", "copy u from stdin"));
            byte[] data = bytes((100 + r.nextInt(900)) + "\t" + (sql[5] == 'u' ? "7" : "copy") + "\n");
            List<Msg> m = new ArrayList<>();
            if (r.nextBoolean()) {
                m.add(Msg.query(sql, cs));
            } else {
                m.add(Msg.parse("", sql, cs));
                m.add(Msg.bind("", ""));
                m.add(Msg.execute(""));
            }
            m.add(Msg.copyData(data, cs));
            m.add(Msg.copyDone());
            if (m.get(0).type() == 'P') {
                m.add(Msg.sync());
            }
            steps.add(new Step("write.copy-from-stdin", m, true));
        }

        /** Extended-protocol shapes where the proxy's idea of a name can differ from the server's. */
        void protocol() {
            byte[] w = bytes(Texts.pick(Texts.r1(Texts.PLAIN_WRITES, Texts.HIDDEN_WRITES, r), r));
            byte[] read = bytes("SELECT 1");
            String s = STATEMENT_NAMES[1 + r.nextInt(2)];
            List<Msg> m = new ArrayList<>();
            String gen;
            switch (r.nextInt(6)) {
                case 0 -> {
                    gen = "protocol.parse-name-reused-after-42P05";
                    m.addAll(List.of(Msg.parse(s, w, cs), Msg.sync(), Msg.parse(s, read, cs), Msg.sync(),
                            Msg.bind("", s), Msg.execute(""), Msg.sync()));
                }
                case 1 -> {
                    gen = "protocol.unnamed-portal-outlives-its-statement";
                    m.addAll(List.of(Msg.parse("", w, cs), Msg.bind("", ""), Msg.parse("", read, cs),
                            Msg.execute(""), Msg.sync()));
                }
                case 2 -> {
                    gen = "protocol.portal-across-batches";
                    m.add(Msg.query(bytes("BEGIN"), cs));
                    m.addAll(List.of(Msg.parse(s, w, cs), Msg.bind("p1", s), Msg.sync(),
                            Msg.parse("", read, cs), Msg.bind("", ""), Msg.execute(""), Msg.sync(),
                            Msg.execute("p1"), Msg.sync()));
                }
                case 3 -> {
                    gen = "protocol.deallocate-then-reparse";
                    String dealloc = pickOf("DEALLOCATE " + s, "DEALLOCATE ALL", "DISCARD ALL", "deallocate prepare \"" + s + "\"",
                            "/* c */ DEALLOCATE " + s, "SELECT 1/0; DEALLOCATE " + s);
                    m.addAll(List.of(Msg.parse(s, w, cs), Msg.sync(), Msg.query(bytes(dealloc), cs),
                            Msg.parse(s, read, cs), Msg.bind("", s), Msg.execute(""), Msg.sync()));
                }
                case 4 -> {
                    gen = "protocol.close-then-reuse";
                    m.addAll(List.of(Msg.parse(s, w, cs), Msg.close('S', r.nextBoolean() ? s : "s9"), Msg.sync(),
                            Msg.parse(s, read, cs), Msg.describe('S', s), Msg.bind("p1", s), Msg.execute("p1"),
                            Msg.close('P', "p1"), Msg.sync()));
                }
                default -> {
                    gen = "protocol.pipelined-mix";
                    int groups = 2 + r.nextInt(4);
                    for (int i = 0; i < groups; i++) {
                        byte[] text = r.nextInt(3) == 0 ? w : bytes(Texts.pick(Texts.r1(Texts.READS, Texts.LIFTS, r), r));
                        if (r.nextInt(4) == 0) {
                            m.add(Msg.query(text, cs));
                        } else {
                            String name = STATEMENT_NAMES[r.nextInt(3)];
                            String portal = PORTAL_NAMES[r.nextInt(2)];
                            m.add(Msg.parse(name, text, cs));
                            m.add(Msg.bind(portal, name));
                            m.add(Msg.execute(portal));
                            if (r.nextBoolean()) {
                                m.add(Msg.sync());
                            }
                        }
                    }
                    if (m.get(m.size() - 1).type() != 'S' && m.get(m.size() - 1).type() != 'Q') {
                        m.add(Msg.sync());
                    }
                }
            }
            steps.add(new Step(gen, fixQueriesAfterErrors(m), r.nextInt(5) != 0));
        }

        /** Statements, each given a protocol shape at random. */
        void statements(String generator, List<String> sql) {
            List<byte[]> b = new ArrayList<>();
            for (String s : sql) {
                b.add(bytes(s));
            }
            steps.add(shape(generator, b));
        }

        /**
         * One Query per statement, one Query holding all, Parse/Bind/Execute/Sync per statement (named or unnamed,
         * sometimes with a Describe), or all of them before one Sync; one write either way, awaited or not.
         */
        private Step shape(String generator, List<byte[]> sql) {
            List<Msg> m = new ArrayList<>();
            // A text holding several statements is refused by the server in a Parse: hidden writes mostly go simple.
            int how = generator.startsWith("hide.") && r.nextInt(5) != 0 ? 1 : r.nextInt(5);
            if (how == 0 && sql.size() > 1) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (byte[] s : sql) {
                    all.writeBytes(s);
                    all.writeBytes(bytes("; "));
                }
                m.add(Msg.query(all.toByteArray(), cs));
            } else if (how <= 1) {
                for (byte[] s : sql) {
                    m.add(Msg.query(s, cs));
                }
            } else {
                boolean oneSync = how == 4;
                for (byte[] s : sql) {
                    String name = STATEMENT_NAMES[r.nextInt(3)];
                    String portal = PORTAL_NAMES[r.nextInt(2)];
                    m.add(Msg.parse(name, s, cs));
                    if (r.nextInt(4) == 0) {
                        m.add(Msg.describe('S', name));
                    }
                    m.add(Msg.bind(portal, name));
                    m.add(Msg.execute(portal));
                    if (!oneSync) {
                        m.add(Msg.sync());
                    }
                }
                if (oneSync) {
                    m.add(Msg.sync());
                }
            }
            return new Step(generator + (m.get(0).type() == 'Q' ? " (simple)" : " (extended)"), m,
                    r.nextInt(6) != 0);
        }

        private byte[] bytes(String s) {
            return s.getBytes(cs);
        }

        private String pickOf(String... options) {
            return options[r.nextInt(options.length)];
        }

        /** Splits a template holding several statements ("BEGIN; SET …") into its statements. */
        private static List<String> split(String sql) {
            if (sql.startsWith("DO ") || sql.startsWith("SELECT set_config") || !sql.contains("; ")) {
                return List.of(sql);
            }
            return List.of(sql.split("; "));
        }
    }

    /**
     * A Query right after extended messages that may fail would be skipped by the server (it discards messages
     * until Sync after an error), and the client would wait for its ReadyForQuery for ever: every run of
     * extended messages before a Query ends with a Sync.
     */
    private static List<Msg> fixQueriesAfterErrors(List<Msg> m) {
        List<Msg> out = new ArrayList<>();
        boolean open = false;
        for (Msg x : m) {
            if (x.type() == 'Q' && open) {
                out.add(Msg.sync());
                open = false;
            }
            out.add(x);
            if (x.type() == 'S') {
                open = false;
            } else if (x.type() != 'Q') {
                open = true;
            }
        }
        if (open) {
            out.add(Msg.sync());
        }
        return out;
    }

    private static final String[] SOUP = {"'", "''", "\\'", "E'", "$a$", "$$", "/*", "*/", "--", "\n", "\"", ";",
            "1", "x", " ", "U&'", "\\\\", "$", "$a"};
}
