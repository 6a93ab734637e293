package io.fenceline.proxy.net.tls;

import io.fenceline.config.file.ListenerTls;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.UpstreamTls;
import io.fenceline.proxy.ProxyProcess;
import io.fenceline.testing.PostgresServer;
import io.fenceline.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on both legs with a real PostgreSQL that has {@code ssl = on} and a pg_hba.conf where the application roles
 * may only connect over TLS ({@code hostnossl ... reject}), driven by psql (libpq) and pgJDBC. A throw-away
 * authority signs the database's certificate (named {@code localhost} only), the proxy's (127.0.0.1 and localhost),
 * the proxy's client certificate towards the database (CN {@code fenceline-proxy}, mapped by pg_ident.conf to
 * {@code cert_user}) and the clients' certificates. Every verdict on the upstream leg is PostgreSQL's own
 * ({@code pg_stat_ssl} of the session's backend, its refusals).
 */
class TlsIT {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static PostgresServer pg;
    /** TLS to clients (client certificates required for cert_user, verify-full) and verify-full to localhost. */
    static ProxyProcess proxy;
    static Path appCert;
    static Path appKey;
    static Path certUserCert;
    static Path certUserKey;
    static Path strangerCert;
    static Path strangerKey;
    static Path pgFiles;
    static Path[] dbCertificate;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.make(dir);
        Path[] db = certs.issue("db", "db", "DNS:localhost");
        dbCertificate = db;
        Path[] proxyClient = certs.issue("proxy-client", "fenceline-proxy", null);
        Path[] cu = certs.issue("cert-user", "cert_user", null);
        Path[] app = certs.issue("app-user", "app", null);
        Path[] stranger = certs.issue("stranger", "someone_else", null);
        certUserCert = cu[0];
        certUserKey = privateForLibpq(cu[1]);
        appCert = app[0];
        appKey = privateForLibpq(app[1]);
        strangerCert = stranger[0];
        strangerKey = privateForLibpq(stranger[1]);
        // Outside the test's own directory, which the postgres OS user cannot enter.
        pgFiles = Files.createTempDirectory("fenceline-pg-tls-");
        Files.copy(db[0], pgFiles.resolve("server.crt"));
        Files.copy(db[1], pgFiles.resolve("server.key"));
        Files.copy(certs.ca(), pgFiles.resolve("ca.crt"));
        Files.setPosixFilePermissions(pgFiles.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        if ("root".equals(System.getProperty("user.name"))) {
            // The fixture runs PostgreSQL as the postgres OS user, which must own its key.
            Process chown = new ProcessBuilder("chown", "-R", "postgres:", pgFiles.toString()).inheritIO().start();
            assertTrue(chown.waitFor(30, TimeUnit.SECONDS) && chown.exitValue() == 0, "chown of " + pgFiles);
        }
        pg = PostgresServer.builder()
                .setting("ssl", "on")
                .setting("ssl_cert_file", pgFiles.resolve("server.crt").toString())
                .setting("ssl_key_file", pgFiles.resolve("server.key").toString())
                .setting("ssl_ca_file", pgFiles.resolve("ca.crt").toString())
                .setting("password_encryption", "scram-sha-256")
                .hba("hostnossl all app,cert_user 127.0.0.1/32 reject")
                .hba("hostssl all app 127.0.0.1/32 scram-sha-256")
                .hba("hostssl all cert_user 127.0.0.1/32 cert map=proxy")
                .start();
        Files.writeString(pg.dataDir().resolve("pg_ident.conf"), "proxy fenceline-proxy cert_user\n", StandardCharsets.UTF_8);
        pg.execute("SELECT pg_reload_conf()");
        pg.execute("CREATE ROLE app LOGIN PASSWORD 'app-secret'; CREATE ROLE cert_user LOGIN");
        proxy = ProxyProcess.start(settings("localhost", new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL,
                Optional.of(certs.ca()), Optional.of(proxyClient[0]), Optional.of(proxyClient[1])), true));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (pgFiles != null) {
            try (var files = Files.list(pgFiles)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(pgFiles);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** libpq refuses a key file that others may read. */
    private static Path privateForLibpq(Path key) throws Exception {
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return key;
    }

    static ProxySettings settings(String upstreamHost, UpstreamTls upstream, boolean listener) {
        Optional<ListenerTls> l = listener ? Optional.of(new ListenerTls(certs.serverCertificate(), certs.serverKey(),
                Optional.of(certs.ca()), new ListenerTls.ClientCertificates(ListenerTls.Verify.VERIFY_FULL,
                Set.of("cert_user"), false))) : Optional.empty();
        return new ProxySettings(new ProxySettings.Listen("127.0.0.1", 0),
                new ProxySettings.Upstream.Tcp(upstreamHost, pg.port()),
                Optional.of(new ProxySettings.Tls(l, upstream)),
                new ProxySettings.Limits(ProxySettings.Limits.DEFAULT_MAX_MESSAGE_LENGTH, Duration.ofSeconds(20), 50),
                Optional.empty(), Duration.ofSeconds(2));
    }

    record Psql(int exit, String output) {
    }

    /** psql -Atc {@code sql} against {@code port} with the libpq keywords {@code conninfo}. */
    static Psql psql(int port, String conninfo, String sql) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
                "host=127.0.0.1 port=" + port + " dbname=postgres connect_timeout=20 " + conninfo));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("PGSSLMODE");
        pb.environment().put("HOME", dir.toString());   // no ~/.postgresql certificates of the machine
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "psql timed out: " + command);
        return new Psql(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
    }

    static int port() {
        return proxy.server().address().getPort();
    }

    /** What PostgreSQL says about the TLS of the session that runs the query: ssl, version, client DN. */
    static final String OWN_TLS = "SELECT ssl || ',' || version || ',' || coalesce(client_dn, '-') || ',' || current_user"
            + " FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    static String app(String extra) {
        return "user=app password=app-secret sslrootcert=" + certs.ca() + " " + extra;
    }

    @Test
    void psqlVerifyFullToTheProxyReachesAHostsslOnlyDatabaseOverVerifiedTls() throws Exception {
        Psql r = psql(port(), app("sslmode=verify-full channel_binding=disable"), OWN_TLS);
        assertEquals(0, r.exit(), r.output());
        // The database says so: its backend for this session is on TLS (1.3 from the JDK), with the proxy's certificate.
        assertEquals("true,TLSv1.3,/CN=fenceline-proxy,app", r.output());
    }

    @Test
    void withoutUpstreamTlsTheDatabaseRefusesThePlainTextLeg() throws Exception {
        try (ProxyProcess plain = ProxyProcess.start(settings("localhost", UpstreamTls.DISABLED, true))) {
            Psql r = psql(plain.server().address().getPort(), app("sslmode=verify-full channel_binding=disable"), "SELECT 1");
            assertEquals(2, r.exit(), r.output());
            assertTrue(r.output().contains("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"app\", "
                    + "database \"postgres\", no encryption"), r.output());
        }
    }

    @Test
    void channelBindingRequireIsRefusedByTheClientItselfWithItsOwnClearError() throws Exception {
        Psql r = psql(port(), app("sslmode=verify-full channel_binding=require"), "SELECT 1");
        assertEquals(2, r.exit(), r.output());
        // libpq's own words: the proxy relayed no SCRAM-SHA-256-PLUS, so the client stops before binding to the
        // proxy's certificate (with PLUS relayed, the database would refuse: "SCRAM channel binding check failed").
        assertTrue(r.output().contains("channel binding is required, but server did not offer an authentication "
                + "method that supports channel binding"), r.output());
    }

    @Test
    void channelBindingPreferOverTlsIsRefusedByTheProxyWithWhatToDo() throws Exception {
        Psql r = psql(port(), app("sslmode=verify-full channel_binding=prefer"), "SELECT 1");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("SCRAM channel binding negotiation cannot pass through the proxy"), r.output());
        assertTrue(r.output().contains("channel_binding=disable"), r.output());
    }

    @Test
    void channelBindingPreferWorksOnAPlainTextClientLegWithTheUpstreamOnTls() throws Exception {
        Psql r = psql(port(), app("sslmode=disable channel_binding=prefer"), OWN_TLS);
        assertEquals(0, r.exit(), r.output());
        assertEquals("true,TLSv1.3,/CN=fenceline-proxy,app", r.output());
    }

    @Test
    void channelBindingWorksEndToEndWhenTheProxyShowsTheDatabasesOwnCertificate() throws Exception {
        // tls-server-end-point hashes the server's certificate: a proxy holding the database's certificate and key
        // gives the client the same binding data the database computes.
        ProxySettings same = new ProxySettings(new ProxySettings.Listen("127.0.0.1", 0),
                new ProxySettings.Upstream.Tcp("localhost", pg.port()),
                Optional.of(new ProxySettings.Tls(Optional.of(new ListenerTls(dbCertificate[0], dbCertificate[1])),
                        new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL, Optional.of(certs.ca()), Optional.empty(),
                                Optional.empty()))),
                new ProxySettings.Limits(1 << 20, Duration.ofSeconds(20), 10), Optional.empty(), Duration.ofSeconds(1));
        try (ProxyProcess p = ProxyProcess.start(same)) {
            int port = p.server().address().getPort();
            String conninfo = "host=localhost hostaddr=127.0.0.1 user=app password=app-secret sslmode=verify-full sslrootcert="
                    + certs.ca() + " channel_binding=require";
            Psql r = psql(port, conninfo, OWN_TLS);
            // psql's "host=127.0.0.1" comes first in its command line; the later host= wins.
            assertEquals(0, r.exit(), r.output());
            // The database accepted SCRAM-SHA-256-PLUS: it checked the binding against its own certificate.
            assertEquals("true,TLSv1.3,-,app", r.output());
            // A plain-text client leg still gets no PLUS (libpq refuses PLUS offered without TLS).
            Psql plain = psql(port, "user=app password=app-secret sslmode=disable", "SELECT 1");
            assertEquals(0, plain.exit(), plain.output());
        }
    }

    @Test
    void clientCertificateWithTheUsersCnIsAdmittedAndTheDatabaseAuthenticatesTheProxyByItsCertificate() throws Exception {
        Psql r = psql(port(), "user=cert_user sslmode=verify-full sslrootcert=" + certs.ca() + " sslcert=" + certUserCert
                + " sslkey=" + certUserKey, OWN_TLS);
        assertEquals(0, r.exit(), r.output());
        // cert authentication upstream (pg_hba "cert map=proxy"): the database saw the proxy's certificate.
        assertEquals("true,TLSv1.3,/CN=fenceline-proxy,cert_user", r.output());
    }

    @Test
    void aUserThatMustPresentACertificateIsRefusedWithoutOneOrWithAnotherUsersCn() throws Exception {
        String base = "user=cert_user sslrootcert=" + certs.ca() + " ";
        Psql none = psql(port(), base + "sslmode=verify-full", "SELECT 1");
        assertEquals(2, none.exit(), none.output());
        assertTrue(none.output().contains("FATAL:  connection requires a valid client certificate"), none.output());
        Psql plain = psql(port(), base + "sslmode=disable", "SELECT 1");
        assertEquals(2, plain.exit(), plain.output());
        assertTrue(plain.output().contains("FATAL:  connection requires a valid client certificate"), plain.output());
        Psql other = psql(port(), base + "sslmode=verify-full sslcert=" + strangerCert + " sslkey=" + strangerKey, "SELECT 1");
        assertEquals(2, other.exit(), other.output());
        assertTrue(other.output().contains("FATAL:  certificate authentication failed for user \"cert_user\""), other.output());
        // Nothing reached the database as cert_user.
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM pg_stat_activity WHERE usename = 'cert_user'"));
    }

    @Test
    void usersWithoutTheRequirementMayStillPresentACertificate() throws Exception {
        Psql r = psql(port(), app("sslmode=verify-full channel_binding=disable sslcert=" + appCert + " sslkey=" + appKey), OWN_TLS);
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void verifyFullChecksTheDatabasesNameAndVerifyCaOnlyItsAuthority() throws Exception {
        // The database's certificate names localhost only: reached as 127.0.0.1, verify-full refuses it.
        try (ProxyProcess byIp = ProxyProcess.start(settings("127.0.0.1", new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL,
                Optional.of(certs.ca()), Optional.empty(), Optional.empty()), false))) {
            Psql r = psql(byIp.server().address().getPort(), app("sslmode=disable"), "SELECT 1");
            assertEquals(2, r.exit(), r.output());
            assertTrue(r.output().contains("FATAL:  the proxy cannot connect to the database at 127.0.0.1:" + pg.port()), r.output());
            assertTrue(r.output().contains("TLS handshake with the database"), r.output());
        }
        try (ProxyProcess byIpCa = ProxyProcess.start(settings("127.0.0.1", new UpstreamTls(UpstreamTls.SslMode.VERIFY_CA,
                Optional.of(certs.ca()), Optional.empty(), Optional.empty()), false))) {
            Psql r = psql(byIpCa.server().address().getPort(), app("sslmode=disable"), OWN_TLS);
            assertEquals(0, r.exit(), r.output());
            assertEquals("true,TLSv1.3,-,app", r.output());
        }
        // An authority that did not sign the database's certificate: refused under verify-ca too.
        Path otherCa = Files.createDirectories(dir.resolve("other-ca"));
        TestCertificates other = TestCertificates.make(otherCa);
        try (ProxyProcess wrongCa = ProxyProcess.start(settings("localhost", new UpstreamTls(UpstreamTls.SslMode.VERIFY_CA,
                Optional.of(other.ca()), Optional.empty(), Optional.empty()), false))) {
            Psql r = psql(wrongCa.server().address().getPort(), app("sslmode=disable"), "SELECT 1");
            assertEquals(2, r.exit(), r.output());
            assertTrue(r.output().contains("TLS handshake with the database"), r.output());
        }
    }

    @Test
    void requireRefusesADatabaseThatAnswersN() throws Exception {
        PostgresServer noTls = PostgresServer.builder().start();
        try (noTls; ProxyProcess p = ProxyProcess.start(new ProxySettings(new ProxySettings.Listen("127.0.0.1", 0),
                new ProxySettings.Upstream.Tcp("127.0.0.1", noTls.port()),
                Optional.of(new ProxySettings.Tls(Optional.empty(), new UpstreamTls(UpstreamTls.SslMode.REQUIRE,
                        Optional.empty(), Optional.empty(), Optional.empty()))),
                new ProxySettings.Limits(1 << 20, Duration.ofSeconds(20), 10), Optional.empty(), Duration.ofSeconds(1)))) {
            Psql r = psql(p.server().address().getPort(), "user=postgres sslmode=disable", "SELECT 1");
            assertEquals(2, r.exit(), r.output());
            assertTrue(r.output().contains("does not accept TLS (it answered N to SSLRequest"), r.output());
            assertEquals("0", noTls.queryValue("postgres",
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"));
        }
    }

    @Test
    void aCancelReachesTheDatabaseWhosePgHbaAllowsOnlyTls() throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        String url = "jdbc:postgresql://127.0.0.1:" + port() + "/postgres?ssl=true&sslmode=verify-full&sslrootcert="
                + certs.ca() + "&channelBinding=disable";
        try (Connection c = DriverManager.getConnection(url, props); var st = c.createStatement()) {
            st.setQueryTimeout(1);
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(60)"));
            // 57014 is the database's: its backend was cancelled (a CancelRequest is not subject to pg_hba.conf).
            assertEquals("57014", e.getSQLState(), e.toString());
            try (ResultSet rs = st.executeQuery("SELECT 'still usable'")) {
                assertTrue(rs.next());
            }
        }
    }

    @Test
    void directTlsOfPostgresql17WithAlpnPostgresql() throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        String url = "jdbc:postgresql://127.0.0.1:" + port() + "/postgres?sslmode=verify-full&sslrootcert="
                + certs.ca() + "&channelBinding=disable&sslNegotiation=direct";
        try (Connection c = DriverManager.getConnection(url, props);
             ResultSet rs = c.createStatement().executeQuery(OWN_TLS)) {
            assertTrue(rs.next());
            assertEquals("true,TLSv1.3,/CN=fenceline-proxy,app", rs.getString(1));
        }
        // Without the ALPN protocol "postgresql" a direct connection is closed after the handshake, as PostgreSQL does.
        javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
        trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {
            }

            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory()
                .createSocket("127.0.0.1", port())) {
            socket.setSoTimeout(20_000);
            socket.startHandshake();
            assertEquals(-1, socket.getInputStream().read(), "closed without a reply");
        }
    }

    @Test
    void pgJdbcVerifyFullThroughTheProxy() throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        props.setProperty("connectTimeout", "20");
        String url = "jdbc:postgresql://127.0.0.1:" + port() + "/postgres?ssl=true&sslmode=verify-full&sslrootcert="
                + certs.ca() + "&channelBinding=disable";
        try (Connection c = DriverManager.getConnection(url, props);
             ResultSet rs = c.createStatement().executeQuery(OWN_TLS)) {
            assertTrue(rs.next());
            assertEquals("true,TLSv1.3,/CN=fenceline-proxy,app", rs.getString(1));
        }
        SQLException required = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                url.replace("channelBinding=disable", "channelBinding=require"), props).close());
        assertNotEquals("08006", required.getSQLState(), "refused by the driver, before any proxy error: " + required);
        assertTrue(required.getMessage().toLowerCase().contains("channel binding"), required.getMessage());
        // pgJDBC's default, prefer, on TLS: the GS2 flag says "y", which the database would refuse.
        SQLException preferred = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                url.replace("&channelBinding=disable", ""), props).close());
        assertTrue(preferred.getMessage().contains("SCRAM channel binding negotiation cannot pass through the proxy"),
                preferred.getMessage());
    }
}
