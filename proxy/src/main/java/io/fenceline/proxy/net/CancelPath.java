package io.fenceline.proxy.net;

import io.fenceline.proxy.session.CancelKey;
import io.fenceline.proxy.wire.frontend.CancelRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;

/**
 * Cancel requests, part of a {@link FrontendHandler}: a CancelRequest arriving on a new connection is taken to
 * the session of this proxy that holds its key, which cancels a statement the proxy still holds itself or sends
 * the request on to the database that issued the key; and the write authority's own cancels of running writes.
 * An unknown key gets no answer, as at PostgreSQL.
 */
final class CancelPath {

    private static final Logger log = LoggerFactory.getLogger(CancelPath.class);

    private final FrontendHandler h;

    CancelPath(FrontendHandler h) {
        this.h = h;
    }

    /** This connection's startup packet was a CancelRequest: nothing else comes on it. */
    void request(CancelRequest cancel) {
        CancelKey key = new CancelKey(cancel.processId(), cancel.secretKey());
        var entry = h.shared.cancelKeys().entry(key).orElse(null);
        if (entry == null) {
            // Like PostgreSQL: an unknown key gets no answer, so keys cannot be probed. Logged, because behind one
            // Service with several proxy instances the key may be another instance's (docs/data-path.md).
            log.info("CancelRequest for process {} ignored: no session of this proxy holds its key (it may belong to "
                    + "another proxy instance, which this one cannot reach)", cancel.processId());
            h.client.close();
            return;
        }
        if (entry.holder() != null) {
            entry.holder().cancelRequested(cancel, h.client);
        } else {
            forward(cancel, h.client, entry.issuer());
        }
    }

    /**
     * A CancelRequest for this session arrived on connection {@code canceller} (on this session's event loop).
     * When the proxy itself holds the next statement (a policy hold such as a paused write, an offloaded parse,
     * the proxy's own hidden request) and nothing of the client's runs on the backend, PostgreSQL would find
     * nothing to cancel and the statement would run in full once released: so the proxy cancels it itself, as a
     * denial with PostgreSQL's 57014 raised by the server in its place, and nothing of it runs. Otherwise the
     * request goes to the database, which cancels what the backend runs.
     */
    void requested(CancelRequest cancel, Channel canceller) {
        if (h.statements != null && h.held.cancel()) {
            log.info("CancelRequest for backend {}: the proxy held the statement, cancelled before it was sent",
                    cancel.processId());
            h.shared.metrics().cancelSent();
            canceller.close();
            return;
        }
        forward(cancel, canceller, h.shared.upstream());
    }

    /** Sends {@code cancel} to {@code issuer}; {@code canceller} is closed once the database closes that connection. */
    void forward(CancelRequest cancel, Channel canceller, SocketAddress issuer) {
        h.startup().connectTo(issuer, new CancelRelay(cancel, canceller)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.info("cannot forward CancelRequest for process {} to {}: {}", cancel.processId(), issuer, f.cause().toString());
                canceller.close();
            }
        });
    }

    /**
     * The write authority fenced the sessions: when a statement that may write is running (forwarded, its
     * ReadyForQuery not yet relayed), sends a CancelRequest with the session's key on a new connection to the
     * database, without waiting for it. The database cancels whatever statement the backend runs when the
     * request arrives (a read that followed the write may be cancelled instead; the client sees 57014).
     */
    void cancelRunningWrite(String reason) {
        CancelKey key = h.session.cancelKey();
        if (h.closing || h.statements == null || key == null || !h.statements.writeInFlight()) {
            return;
        }
        h.shared.metrics().cancelSent();
        log.info("cancelling the running write of client {} (backend {}): {}", h.client.remoteAddress(), key.processId(), reason);
        h.startup().connectTo(h.shared.upstream(), new CancelRelay(new CancelRequest(key.processId(), key.secretKey()), null))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("cannot send CancelRequest for backend {} to {}: {}", key.processId(),
                                Shared.describe(h.shared.upstream()), f.cause().toString());
                    }
                });
    }
}
