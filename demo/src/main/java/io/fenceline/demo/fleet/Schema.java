package io.fenceline.demo.fleet;

/** The demo application's schema at V0 and the replication between the clusters. */
public final class Schema {

    /**
     * V0: orders with the amount in cents. {@code origin} names the cluster that wrote the row (its default is
     * the server's {@code fenceline_demo.cluster} setting); replication publishes a cluster's own rows only.
     * 200 seed rows, the same on every cluster, give the backfill something to do. Their {@code created_at} is
     * fixed: each cluster inserts them itself, and {@code now()} would make every seed row differ between
     * clusters (what {@code fenceline verify} found in the first demo it ran).
     */
    public static final String BASELINE = """
            CREATE TABLE orders (
                id bigint PRIMARY KEY,
                origin text NOT NULL DEFAULT current_setting('fenceline_demo.cluster'),
                customer text NOT NULL,
                amount_cents bigint,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO orders (id, origin, customer, amount_cents, created_at)
                SELECT -g, 'seed', 'seed customer ' || g, g * 100, timestamptz '2026-01-01 00:00:00+00'
                  FROM generate_series(1, 200) g;
            """;

    /** The application's role: it reads and inserts orders, nothing else (trust authentication on 127.0.0.1). */
    static final String APPLICATION_ROLE = "CREATE ROLE " + ProxyConfig.APP_ROLE + " LOGIN;"
            + " GRANT SELECT, INSERT ON orders TO " + ProxyConfig.APP_ROLE;

    private Schema() {
    }

    /** The publication of the rows {@code cluster} wrote itself (inserts only: the workload only inserts). */
    static String publication(String cluster) {
        return "CREATE PUBLICATION orders_from_" + cluster + " FOR TABLE orders WHERE (origin = '" + cluster
                + "') WITH (publish = 'insert')";
    }

    /** The subscription on {@code subscriber} to {@code publisher}'s rows, from now on (no initial copy). */
    static String subscription(String subscriber, String publisher, int publisherPort) {
        return "CREATE SUBSCRIPTION " + subscriptionName(subscriber, publisher) + " CONNECTION 'host=127.0.0.1 port="
                + publisherPort + " user=postgres dbname=" + LocalFleet.DATABASE + "' PUBLICATION orders_from_"
                + publisher + " WITH (copy_data = false)";
    }

    /** The subscription (and replication slot) name, unique across the fleet. */
    public static String subscriptionName(String subscriber, String publisher) {
        return subscriber + "_from_" + publisher;
    }
}
