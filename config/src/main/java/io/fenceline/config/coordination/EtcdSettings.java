package io.fenceline.config.coordination;

import io.fenceline.config.keys.EtcdKeys;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach etcd and how to hold a lease there.
 *
 * @param endpoints      client URLs, e.g. {@code http://127.0.0.1:2379}; at least one
 * @param prefix         key prefix (default {@code /fenceline})
 * @param leaseTtl       lease TTL asked from etcd, whole seconds, at least 2 s
 * @param rho            bound on the relative clock-rate difference between us and etcd's leader (0.01 = 1%)
 * @param margin         subtracted from every deadline: covers forward-to-commit time and process pauses
 * @param requestTimeout bound on any single etcd request; a keepalive is bounded by the smaller of this and TTL/3
 */
public record EtcdSettings(List<String> endpoints, String prefix, Duration leaseTtl, double rho, Duration margin,
                           Duration requestTimeout) {

    /** Default TTL. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    /** Default clock-rate drift bound. */
    public static final double DEFAULT_RHO = 0.01;
    /** Default margin for the default TTL. */
    public static final Duration DEFAULT_MARGIN = Duration.ofMillis(500);
    /** Default request timeout. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(1);

    /**
     * Validates everything at once.
     *
     * @throws IllegalArgumentException listing every problem, each with its setting name ({@code etcd.*})
     */
    public EtcdSettings {
        List<String> problems = problems(endpoints, prefix, leaseTtl, rho, margin, requestTimeout);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid etcd settings (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
        }
        endpoints = List.copyOf(endpoints);
    }

    /** Settings with the defaults for everything but the endpoints. */
    public static EtcdSettings defaults(List<String> endpoints) {
        return new EtcdSettings(endpoints, EtcdKeys.DEFAULT_PREFIX, DEFAULT_TTL, DEFAULT_RHO, DEFAULT_MARGIN,
                DEFAULT_REQUEST_TIMEOUT);
    }

    /** A copy with another TTL and margin. */
    public EtcdSettings withLease(Duration ttl, Duration newMargin) {
        return new EtcdSettings(endpoints, prefix, ttl, rho, newMargin, requestTimeout);
    }

    /** A copy with another request timeout. */
    public EtcdSettings withRequestTimeout(Duration timeout) {
        return new EtcdSettings(endpoints, prefix, leaseTtl, rho, margin, timeout);
    }

    /** A copy with other endpoints. */
    public EtcdSettings withEndpoints(List<String> newEndpoints) {
        return new EtcdSettings(newEndpoints, prefix, leaseTtl, rho, margin, requestTimeout);
    }

    /** Keepalives are sent every TTL/3. */
    public Duration keepAliveInterval() {
        return leaseTtl.dividedBy(3);
    }

    /**
     * Every problem with these values (empty when valid); each names its setting. Used by the
     * configuration loader to report all problems of a file at once.
     */
    public static List<String> problems(List<String> endpoints, String prefix, Duration leaseTtl, double rho,
                                        Duration margin, Duration requestTimeout) {
        List<String> p = new ArrayList<>();
        if (endpoints == null || endpoints.isEmpty()) {
            p.add("etcd.endpoints: at least one endpoint is required");
        } else {
            for (String e : endpoints) {
                String why = endpointProblem(e);
                if (why != null) {
                    p.add("etcd.endpoints: '" + e + "' " + why);
                }
            }
        }
        for (String why : EtcdKeys.prefixProblems(prefix)) {
            p.add("etcd.prefix: '" + prefix + "' " + why);
        }
        boolean ttlOk = false;
        if (leaseTtl == null) {
            p.add("etcd.lease_ttl: is required");
        } else if (leaseTtl.getNano() != 0) {
            p.add("etcd.lease_ttl: " + leaseTtl + " must be whole seconds (etcd grants TTLs in seconds)");
        } else if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0) {
            p.add("etcd.lease_ttl: " + leaseTtl + " must be at least 2s");
        } else {
            ttlOk = true;
        }
        boolean rhoOk = !(Double.isNaN(rho) || rho < 0 || rho > 0.1);
        if (!rhoOk) {
            p.add("etcd.rho: " + rho + " must be between 0 and 0.1");
        }
        boolean marginOk = margin != null && !margin.isNegative();
        if (!marginOk) {
            p.add("etcd.margin: " + margin + " must be >= 0");
        }
        boolean timeoutOk = requestTimeout != null && requestTimeout.compareTo(Duration.ofMillis(10)) >= 0;
        if (!timeoutOk) {
            p.add("etcd.request_timeout: " + requestTimeout + " must be at least 10ms");
        }
        if (ttlOk && rhoOk && marginOk && timeoutOk) {
            // The deadline must outlast one keepalive interval plus one bounded round trip, or the lease
            // could never be kept without a gap in write authority.
            long usable = (long) (leaseTtl.toNanos() * (1.0 - rho)) - margin.toNanos();
            long interval = leaseTtl.dividedBy(3).toNanos();
            long needed = interval + Math.min(interval, requestTimeout.toNanos());
            if (usable <= needed) {
                p.add("etcd.margin: " + margin + " is too large for etcd.lease_ttl " + leaseTtl + " (rho " + rho
                        + ", etcd.request_timeout " + requestTimeout + "): TTL*(1-rho)-margin must exceed TTL/3 + "
                        + "min(TTL/3, requestTimeout), one keepalive interval plus one keepalive round trip");
            }
        }
        return p;
    }

    private static String endpointProblem(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return "is blank";
        }
        try {
            URI uri = new URI(endpoint);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                return "must start with http:// or https://";
            }
            if (uri.getHost() == null || uri.getPort() < 1) {
                return "must name a host and a port";
            }
            return null;
        } catch (java.net.URISyntaxException e) {
            return "is not a URL (" + e.getReason() + ")";
        }
    }
}
