package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Schema-version enforcement of one proxy: the settings, the group's {@link SchemaView} (followed from etcd
 * by a {@link SchemaFollower}, or given by a test), the per-version {@link VersionCounts}, a
 * {@link VersionTracker} per connection and the {@link SchemaPolicy} that judges statements. One instance
 * serves every connection.
 */
public final class SchemaEnforcement {

    /** SQLSTATE of a connection whose version is outside the window (DESIGN.md). */
    public static final String OUTSIDE_WINDOW = "08004";
    /** SQLSTATE of a SET whose value is not an allowed version (PostgreSQL's for a bad SET value). */
    public static final String INVALID_VALUE = "22023";
    /** SQLSTATE of a table absent from the connection's version. */
    public static final String UNDEFINED_TABLE = "42P01";
    /** SQLSTATE of a column absent from the connection's version. */
    public static final String UNDEFINED_COLUMN = "42703";
    /** SQLSTATE of DDL from a role other than control's. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** SQLSTATE of a not-understood statement refused by configuration ({@code feature_not_supported}). */
    public static final String NOT_SUPPORTED = "0A000";

    private final SchemaSettings settings;
    private final Supplier<SchemaView> view;
    private final VersionCounts counts = new VersionCounts();
    private final ProxyMetrics metrics;
    private final SchemaPolicy policy;

    public SchemaEnforcement(SchemaSettings settings, Supplier<SchemaView> view, ProxyMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.view = Objects.requireNonNull(view, "view");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.policy = new SchemaPolicy(this);
    }

    /** A tracker for a connection that started with {@code startupParameters}. */
    public VersionTracker tracker(Map<String, String> startupParameters) {
        return new VersionTracker(this, startupParameters);
    }

    /** The policy to compose before the write gate ({@code StatementPolicy.all(schema.policy(), gate)}). */
    public StatementPolicy policy() {
        return policy;
    }

    /** Connections per version on this proxy (for {@code WriterAuthority.Sessions.versionsInUse()}). */
    public VersionCounts counts() {
        return counts;
    }

    public SchemaSettings settings() {
        return settings;
    }

    /** The window and catalogs now. */
    public SchemaView view() {
        return view.get();
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    Decision.Deny refuse(Refusal why, Decision.Deny deny) {
        metrics.schemaRefused(why.tag());
        return deny;
    }

    Decision.Deny outsideWindow(int version, Window w, String what) {
        return new Decision.Deny(OUTSIDE_WINDOW, what + " declares schema version " + version
                + ", outside the window " + describe(w) + " of group " + settings.group(), windowHint(w));
    }

    static String describe(Window w) {
        return w.oldest() == w.newest() ? "{" + w.oldest() + "}" : "{" + w.oldest() + ", " + w.newest() + "}";
    }

    static String windowHint(Window w) {
        return w.oldest() == w.newest()
                ? "only clients of schema version " + w.newest() + " may run now: upgrade the application and declare "
                        + "fenceline.schema_version=" + w.newest()
                : "clients of schema version " + w.oldest() + " or " + w.newest() + " may run now: declare "
                        + "fenceline.schema_version=" + w.newest() + " once the application is built for it";
    }
}
