package io.fenceline.proxy.sql;

/** What a statement does, as far as the write-authority and DDL policies care. */
public enum StatementKind {
    /** Reads only (SELECT, VALUES, TABLE, SHOW-like catalog reads, EXPLAIN without ANALYZE, FETCH). */
    READ,
    /** Changes rows or storage: INSERT/UPDATE/DELETE/MERGE, COPY … FROM, TRUNCATE, SELECT … FOR
     * UPDATE, calls of known writing functions (nextval, setval, …), VACUUM/ANALYZE/CLUSTER. */
    WRITE,
    /** Changes the schema: CREATE/ALTER/DROP/COMMENT/GRANT/REVOKE/REFRESH …, SELECT … INTO. */
    DDL,
    /** BEGIN/START TRANSACTION/COMMIT/END/ROLLBACK/ABORT/SAVEPOINT/RELEASE/SET TRANSACTION. */
    TRANSACTION,
    /** Session state without data changes: SET, RESET, SHOW, DISCARD, LISTEN, UNLISTEN, NOTIFY,
     * DEALLOCATE, CLOSE. */
    SESSION,
    /** Opaque code whose effect cannot be seen from the text (DO, CALL, EXECUTE of an SQL-level
     * prepared statement, CHECKPOINT, LOAD): may write and may change the schema. */
    OTHER
}
