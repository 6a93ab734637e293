package io.fenceline.proxy.net.tls;

import io.fenceline.config.file.ListenerTls;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.UpstreamTls;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The TLS of both legs of every session, built once from the {@code tls:} section: the server context clients'
 * SSLRequests are answered with (asking for client certificates when {@code tls.client_ca} is set) and who must
 * present one, and the client context of the connections to PostgreSQL with its sslmode.
 */
public final class TlsLegs {

    /** Pipeline name of the TLS handler on a server connection. */
    static final String UPSTREAM_TLS = "upstream-tls";
    private static final String NEGOTIATION = "upstream-ssl-negotiation";
    private static final String GUARD = "channel-binding-guard";
    /** The ALPN protocol of PostgreSQL connections (required for direct TLS). */
    static final String ALPN_POSTGRESQL = "postgresql";

    /** No TLS on either leg. */
    public static final TlsLegs NONE = new TlsLegs(null, null, null, null, UpstreamTls.DISABLED, null, 0);

    private final SslContext listener;
    /** DER of the first certificate clients are shown, or null. */
    private final byte[] listenerCertificate;
    private final ClientCertificates clientCertificates;
    private final SslContext upstream;
    private final UpstreamTls upstreamSettings;
    private final String upstreamHost;
    private final int upstreamPort;

    private TlsLegs(SslContext listener, byte[] listenerCertificate, ClientCertificates clientCertificates,
                    SslContext upstream, UpstreamTls upstreamSettings, String upstreamHost, int upstreamPort) {
        this.listener = listener;
        this.listenerCertificate = listenerCertificate;
        this.clientCertificates = clientCertificates;
        this.upstream = upstream;
        this.upstreamSettings = upstreamSettings;
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
    }

    /**
     * Reads the files of {@code settings.tls()} and builds both contexts.
     *
     * @throws IllegalStateException listing every file that cannot be used, each with its key
     */
    public static TlsLegs from(ProxySettings settings) {
        if (settings.tls().isEmpty()) {
            return NONE;
        }
        ProxySettings.Tls tls = settings.tls().get();
        List<String> problems = new ArrayList<>();
        SslContext listener = null;
        byte[] listenerCertificate = null;
        ClientCertificates clients = null;
        if (tls.listener().isPresent()) {
            ListenerTls l = tls.listener().get();
            boolean usable = pair(l.certificate(), l.key(), "tls.certificate", "tls.key", problems);
            usable &= l.clientCa().map(ca -> !PemFiles.certificates(ca, "tls.client_ca", problems).isEmpty()).orElse(true);
            if (usable) {
                listener = build("tls.certificate", problems, () -> {
                    SslContextBuilder b = SslContextBuilder.forServer(l.certificate().toFile(), l.key().toFile());
                    // Asked, not demanded: which users need one is decided at the StartupMessage. A certificate
                    // that is sent but does not verify fails the handshake, as with PostgreSQL's ssl_ca_file.
                    l.clientCa().ifPresent(ca -> b.trustManager(ca.toFile()).clientAuth(ClientAuth.OPTIONAL));
                    // "postgresql" when the client offers it (libpq 17+); a client that offers none is served too.
                    b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_POSTGRESQL));
                    return b.build();
                });
            }
            clients = new ClientCertificates(l.required());
            listenerCertificate = firstCertificate(l.certificate());
        }
        SslContext upstream = null;
        UpstreamTls u = tls.upstream();
        String host = null;
        int port = 0;
        if (u.enabled()) {
            if (settings.upstream() instanceof ProxySettings.Upstream.Tcp tcp) {
                host = tcp.host();
                port = tcp.port();
            }
            boolean usable = u.rootCertificate().map(root ->
                    !PemFiles.certificates(root, "tls.upstream.sslrootcert", problems).isEmpty()).orElse(true);
            if (u.certificate().isPresent()) {
                usable &= pair(u.certificate().get(), u.key().orElseThrow(), "tls.upstream.sslcert",
                        "tls.upstream.sslkey", problems);
            }
            if (usable) {
                upstream = build("tls.upstream", problems, () -> {
                    SslContextBuilder b = SslContextBuilder.forClient();
                    // Like libpq, require with a root certificate verifies the chain (as verify-ca does).
                    if (u.rootCertificate().isPresent()) {
                        b.trustManager(u.rootCertificate().get().toFile());
                    } else {
                        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
                    }
                    if (u.certificate().isPresent()) {
                        b.keyManager(u.certificate().get().toFile(), u.key().orElseThrow().toFile());
                    }
                    return b.build();
                });
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the tls: section cannot be used:\n  " + String.join("\n  ", problems));
        }
        return new TlsLegs(listener, listenerCertificate, clients, upstream, u, host, port);
    }

    /** True when SSLRequest is answered {@code S}. */
    public boolean listening() {
        return listener != null;
    }

    /** True when connections to the server use TLS. */
    public boolean upstreamTls() {
        return upstream != null;
    }

    /** A new server-side TLS handler for a client that sent SSLRequest; only when {@link #listening()}. */
    public SslHandler newClientHandler(ByteBufAllocator alloc) {
        return listener.newHandler(alloc);
    }

    /**
     * The handler to put first in a new client channel's pipeline when {@link #listening()}: it accepts direct TLS
     * (a ClientHello instead of SSLRequest) by putting a TLS handler named {@code tlsName} in its place, and
     * leaves at once otherwise.
     */
    public ChannelHandler directTlsDetector(String tlsName) {
        return new DirectTls(listener, tlsName);
    }

    /**
     * Whether the client on {@code client} may start a session as {@code user}: refused (FATAL 28000, as
     * PostgreSQL) when {@code tls.client_certificate} names the user and the client presented no verified
     * certificate, or, with {@code verify-full}, one whose CN is not {@code user}.
     *
     * @return null to proceed, else the refusal
     */
    public ProtocolViolation admit(Channel client, String user) {
        if (clientCertificates == null) {
            return null;
        }
        return clientCertificates.admit(client.pipeline().get(SslHandler.class), user);
    }

    /**
     * Makes the new, connected server channel {@code backend} ready for the StartupMessage: with
     * {@code tls.upstream} it sends SSLRequest and runs the handshake, and watches authentication for channel
     * binding ({@link ChannelBindingGuard}); without it the future is already done. Handlers are added in front of
     * those already in {@code backend}'s pipeline.
     *
     * @param client the client's channel (whether it is on TLS decides how a channel-binding attempt is answered)
     */
    public Future<Void> secureUpstream(Channel backend, Channel client) {
        Promise<Void> ready = backend.eventLoop().newPromise();
        if (upstream == null) {
            return ready.setSuccess(null);
        }
        boolean clientOnTls = client.pipeline().get(SslHandler.class) != null;
        backend.pipeline().addFirst(GUARD, new ChannelBindingGuard(clientOnTls, listenerCertificate));
        backend.pipeline().addFirst(NEGOTIATION, new UpstreamNegotiation(upstream, upstreamHost, upstreamPort,
                upstreamSettings.mode() == UpstreamTls.SslMode.VERIFY_FULL,
                "tls.upstream.sslmode " + upstreamSettings.mode().spelling(), ready));
        backend.writeAndFlush(UpstreamNegotiation.sslRequest(backend.alloc())).addListener(f -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
            }
        });
        return ready;
    }

    /** "TLS to clients", "TLS to the database (verify-full)", both, or "no TLS", for the start-up log. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (listener != null) {
            parts.add("TLS to clients" + (clientCertificates != null && !clientCertificates.isEmpty()
                    ? " (client certificates required for some users)" : ""));
        }
        if (upstream != null) {
            parts.add("TLS to the database (sslmode " + upstreamSettings.mode().spelling() + ")");
        }
        return parts.isEmpty() ? "no TLS" : String.join(", ", parts);
    }

    private static byte[] firstCertificate(Path file) {
        List<X509Certificate> chain = PemFiles.certificates(file, "tls.certificate", new ArrayList<>());
        try {
            return chain.isEmpty() ? null : chain.get(0).getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            return null;
        }
    }

    private static boolean pair(Path certificate, Path key, String certKey, String keyKey, List<String> problems) {
        int before = problems.size();
        List<X509Certificate> chain = PemFiles.certificates(certificate, certKey, problems);
        PrivateKey privateKey = PemFiles.privateKey(key, keyKey, problems);
        PemFiles.checkPair(chain, privateKey, certKey, keyKey, problems);
        return problems.size() == before;
    }

    private interface ContextBuild {
        SslContext build() throws SSLException;
    }

    private static SslContext build(String key, List<String> problems, ContextBuild build) {
        try {
            return build.build();
        } catch (SSLException | IllegalArgumentException e) {
            problems.add(key + ": cannot build the TLS context: " + e.getMessage());
            return null;
        }
    }
}
