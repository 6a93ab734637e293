package io.fenceline.proxy.fuzz;

/**
 * The objects the generated sessions aim at, made by the superuser before the oracle's slot exists: tables
 * {@code t} and {@code u} (owned by the superuser), sequence {@code s}, functions that write when a SELECT calls
 * them (SQL, PL/pgSQL, SECURITY DEFINER), functions that lift the session's read-only setting, a procedure that
 * writes. The sessions log in as {@link #ROLE}: not a superuser, owning nothing, with the privileges an
 * application role has (DML on the tables, the sequence, EXECUTE; no CREATE on {@code public}).
 */
final class FuzzDatabase {

    private FuzzDatabase() {
    }

    /** The role of every generated session. */
    static final String ROLE = "fuzz";

    static final String CREATE_ROLE = "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fuzz') THEN "
            + "CREATE ROLE fuzz LOGIN; END IF; END$$";

    /** Objects; run again (after DROP) when a session changed the catalog. */
    static final String SETUP = """
            CREATE TABLE t (id int PRIMARY KEY, note text);
            CREATE TABLE u (id int PRIMARY KEY, v int);
            CREATE SEQUENCE s;
            CREATE FUNCTION f_sql(n int) RETURNS int LANGUAGE sql AS
              $$ INSERT INTO t VALUES (n, 'f_sql') ON CONFLICT (id) DO UPDATE SET note = 'f_sql' RETURNING id $$;
            CREATE FUNCTION f_plpgsql(n int) RETURNS int LANGUAGE plpgsql AS
              $$ BEGIN DELETE FROM t WHERE id = n; RETURN n; END $$;
            CREATE FUNCTION f_definer(n int) RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS
              $$ BEGIN UPDATE u SET v = v + 1 WHERE id = n; RETURN n; END $$;
            CREATE FUNCTION lift() RETURNS text LANGUAGE sql AS
              $$ SELECT set_config('default_transaction_read_only', 'off', false) $$;
            CREATE FUNCTION f_lift_write(n int) RETURNS int LANGUAGE plpgsql AS
              $$ BEGIN PERFORM set_config('default_transaction_read_only', 'off', false);
                 INSERT INTO t VALUES (n, 'lift_write') ON CONFLICT DO NOTHING; RETURN n; END $$;
            CREATE PROCEDURE p_write(n int) LANGUAGE sql AS
              $$ INSERT INTO t VALUES (n, 'p_write') ON CONFLICT DO NOTHING $$;
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON t, u TO fuzz;
            GRANT USAGE, SELECT, UPDATE ON SEQUENCE s TO fuzz;
            """;

    /** Drops what {@link #SETUP} made and what a session could have added. */
    static final String DROP = """
            DROP TABLE IF EXISTS t, u, fuzz_made CASCADE;
            DROP SEQUENCE IF EXISTS s;
            DROP FUNCTION IF EXISTS f_sql(int), f_plpgsql(int), f_definer(int), lift(), f_lift_write(int);
            DROP PROCEDURE IF EXISTS p_write(int);
            ALTER ROLE fuzz RESET ALL;
            """;

    /** The rows every session starts from. */
    static final String SEED = """
            TRUNCATE t, u;
            INSERT INTO t SELECT g, 'seed' FROM generate_series(1, 5) g;
            INSERT INTO u SELECT g, g FROM generate_series(1, 3) g;
            SELECT setval('s', 1, false);
            SELECT lo_unlink(oid) FROM pg_largeobject_metadata;
            """;
}
