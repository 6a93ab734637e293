package io.fenceline.config.file;

import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.GroupSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The proxy's data-path settings, as read from the {@code proxy} configuration file.
 *
 * @param listen        where clients connect
 * @param upstream      the PostgreSQL server every session is relayed to
 * @param tls           TLS towards clients and towards the server ({@code tls:}); empty: SSLRequest is answered
 *                      {@code N} and the server is reached in plain text
 * @param limits        protocol and connection limits
 * @param admin         the admin HTTP endpoint; empty when not configured
 * @param shutdownGrace how long sessions may take to finish after SIGTERM before they are closed
 * @param inspection    statement inspection on the data path
 * @param etcd          how to reach etcd; empty when not configured
 * @param group         the write authority this proxy takes part in; empty: no authority, writes are not
 *                      gated (a proxy without {@code group:} behaves as a plain relay with inspection)
 * @param schema        schema-version enforcement ({@code schema:}); empty when not configured
 */
public record ProxySettings(Listen listen, Upstream upstream, Optional<Tls> tls, Limits limits,
                            Optional<Admin> admin, Duration shutdownGrace, Inspection inspection,
                            Optional<Etcd> etcd, Optional<Group> group, Optional<SchemaSettings> schema) {

    /** Settings without etcd, without a group and without schema-version enforcement. */
    public ProxySettings(Listen listen, Upstream upstream, Optional<Tls> tls, Limits limits,
                         Optional<Admin> admin, Duration shutdownGrace, Inspection inspection) {
        this(listen, upstream, tls, limits, admin, shutdownGrace, inspection, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** Settings with the default {@link Inspection} (enabled). */
    public ProxySettings(Listen listen, Upstream upstream, Optional<Tls> tls, Limits limits,
                         Optional<Admin> admin, Duration shutdownGrace) {
        this(listen, upstream, tls, limits, admin, shutdownGrace, Inspection.DEFAULT);
    }

    public ProxySettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(inspection, "inspection");
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(group, "group");
        if (group.isPresent() && etcd.isEmpty()) {
            throw new IllegalArgumentException("group: " + group.get().settings().group() + " needs an etcd: section");
        }
        Objects.requireNonNull(schema, "schema");
    }

    /** The same settings with {@code inspection} instead. */
    public ProxySettings withInspection(Inspection inspection) {
        return new ProxySettings(listen, upstream, tls, limits, admin, shutdownGrace, inspection, etcd, group, schema);
    }

    /** The same settings taking part in the write authority of {@code group}, through {@code etcd}. */
    public ProxySettings withGroup(Etcd etcd, Group group) {
        return new ProxySettings(listen, upstream, tls, limits, admin, shutdownGrace, inspection,
                Optional.of(etcd), Optional.of(group), schema);
    }

    /**
     * The {@code etcd:} section.
     *
     * @param settings endpoints, prefix, lease TTL, clock-rate bound, deadline margin, request timeout
     * @param access   optional authentication and TLS
     */
    public record Etcd(EtcdSettings settings, EtcdAccess access) {
        public Etcd {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(access, "access");
        }
    }

    /**
     * The {@code group:} section: the write authority this proxy takes part in and how it fences its own
     * database ({@code group.fence}).
     *
     * @param settings      group, cluster, proxy id, candidates, failover and bounds
     * @param fenceDatabase the local database reached with control rights (read-only fence, WAL positions)
     * @param fencePoolSize connections of the fence's pool
     * @param fenceTriggers the fence's table triggers ({@code group.fence.triggers}, {@code exempt_roles})
     */
    public record Group(GroupSettings settings, ControlDatabase fenceDatabase, int fencePoolSize,
                        io.fenceline.config.group.FenceTriggers fenceTriggers) {
        /** Default size of the fence's pool. */
        public static final int DEFAULT_FENCE_POOL_SIZE = 3;

        public Group {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(fenceDatabase, "fenceDatabase");
            Objects.requireNonNull(fenceTriggers, "fenceTriggers");
            if (fencePoolSize < 2 || fencePoolSize > 20) {
                throw new IllegalArgumentException("group.fence.pool_size: " + fencePoolSize + " must be between 2 and 20");
            }
        }

        /** With the default fence triggers (on, the fence's role exempt). */
        public Group(GroupSettings settings, ControlDatabase fenceDatabase, int fencePoolSize) {
            this(settings, fenceDatabase, fencePoolSize,
                    io.fenceline.config.group.FenceTriggers.defaults(fenceDatabase.user()));
        }
    }

    /** The same settings enforcing schema versions with {@code schema}. */
    public ProxySettings withSchema(SchemaSettings schema) {
        return new ProxySettings(listen, upstream, tls, limits, admin, shutdownGrace, inspection, etcd, group,
                Optional.of(schema));
    }

    /**
     * Statement inspection on the data path ({@code inspection:} in YAML).
     *
     * @param enabled          false relays every message without looking at it: no verdicts, no policy (for
     *                         measuring what inspection costs; policies that need verdicts cannot work)
     * @param cacheMegabytes   bound of the shared verdict cache (normalised statement texts), in MiB
     * @param offloadThreshold statement texts at least this many characters long that miss the cache are
     *                         parsed off the event loop
     */
    public record Inspection(boolean enabled, int cacheMegabytes, int offloadThreshold) {
        /** Default cache bound: 32 MiB of normalised text. */
        public static final int DEFAULT_CACHE_MEGABYTES = 32;
        /** Default offload threshold, in characters. */
        public static final int DEFAULT_OFFLOAD_THRESHOLD = 2048;
        /** Enabled with the default bounds. */
        public static final Inspection DEFAULT = new Inspection(true, DEFAULT_CACHE_MEGABYTES, DEFAULT_OFFLOAD_THRESHOLD);

        public Inspection {
            if (cacheMegabytes < 1 || offloadThreshold < 0) {
                throw new IllegalArgumentException("inspection.cache_megabytes must be at least 1 (was " + cacheMegabytes
                        + ") and inspection.offload_threshold not negative (was " + offloadThreshold + ")");
            }
        }
    }

    /** Listen address; port 0 picks a free port (tests). */
    public record Listen(String host, int port) {
    }

    /** Where the database is: TCP host and port, or a Unix-domain socket file. */
    public sealed interface Upstream {
        /** A TCP address. */
        record Tcp(String host, int port) implements Upstream {
        }

        /** A Unix-domain socket file, such as {@code /var/run/postgresql/.s.PGSQL.5432}. */
        record UnixSocket(Path path) implements Upstream {
        }
    }

    /**
     * The {@code tls:} section.
     *
     * @param listener TLS towards clients; empty answers {@code N} to SSLRequest
     * @param upstream TLS towards the server ({@code tls.upstream}); {@link UpstreamTls#DISABLED} when absent
     */
    public record Tls(Optional<ListenerTls> listener, UpstreamTls upstream) {
        public Tls {
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(upstream, "upstream");
        }

        /** A listener certificate and key, no client certificates, plain text to the server. */
        public Tls(Path certificate, Path key) {
            this(Optional.of(new ListenerTls(certificate, key)), UpstreamTls.DISABLED);
        }
    }

    /**
     * Protocol and connection limits.
     *
     * @param maxMessageLength  largest frontend message accepted, in bytes, counting the length field; Bind and
     *                          CopyData messages (and every message when inspection is off) stream through the
     *                          proxy up to this length without being held whole
     * @param maxBufferedLength largest frontend message the proxy holds whole in memory: Query and Parse texts and
     *                          FunctionCalls, which the policy reads, and the small control messages; a longer
     *                          Query, Parse or FunctionCall is refused with 54000 (the session goes on), any other
     *                          is a protocol violation
     * @param startupTimeout    time from accept until the session is ready for queries
     * @param maxConnections    client connections served at once; more are refused with 53300
     */
    public record Limits(int maxMessageLength, int maxBufferedLength, Duration startupTimeout, int maxConnections) {
        /** Default maximum message length: PostgreSQL's own ({@code PQ_LARGE_MESSAGE_LIMIT}, 1 GiB - 2). */
        public static final int DEFAULT_MAX_MESSAGE_LENGTH = (1 << 30) - 2;
        /** Default maximum length of a message held whole: 32 MiB, a bulk INSERT of a few hundred thousand rows. */
        public static final int DEFAULT_MAX_BUFFERED_LENGTH = 32 << 20;

        public Limits {
            if (maxBufferedLength > maxMessageLength) {
                throw new IllegalArgumentException("maxBufferedLength (" + maxBufferedLength
                        + ") exceeds maxMessageLength (" + maxMessageLength + ")");
            }
        }

        /** Limits with the default buffered length (at most {@code maxMessageLength}). */
        public Limits(int maxMessageLength, Duration startupTimeout, int maxConnections) {
            this(maxMessageLength, Math.min(maxMessageLength, DEFAULT_MAX_BUFFERED_LENGTH), startupTimeout,
                    maxConnections);
        }
    }

    /** Admin HTTP endpoint address; port 0 picks a free port (tests). */
    public record Admin(String host, int port) {
    }
}
