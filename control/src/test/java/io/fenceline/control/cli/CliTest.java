package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line without a database: plan, argument errors and exit codes. */
class CliTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }

    private void validFolder() throws IOException {
        write("0001-add-email.yaml", "version: 1\ndescription: add email\nexpand:\n"
                + "  sql: ALTER TABLE users ADD COLUMN email text\n  down: ALTER TABLE users DROP COLUMN email\n");
        write("V2__drop_name.sql", "ALTER TABLE users DROP COLUMN name;");
    }

    @Test
    void planListsVersionsAndExitsZero() throws IOException {
        validFolder();
        Run run = run("plan", "--migrations", dir.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("V1     expand(1) "), run::out);
        assertTrue(run.out().contains("V2     expand(1,no down)"), run::out);
        assertTrue(run.out().contains("valid: no problems"), run::out);
    }

    @Test
    void planJsonHasChecksumsAndProblems() throws Exception {
        validFolder();
        write("0004-gap.yaml", "version: 4\ndescription: gap\ncontract:\n  sql: DROP TABLE t\n  down: CREATE TABLE t ()\n");
        Run run = run("plan", "--migrations", dir.toString(), "--json");
        assertEquals(ExitCodes.BAD_INPUT, run.code(), run::toString);
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertFalse(json.get("valid").asBoolean());
        assertEquals(3, json.get("versions").size());
        assertEquals(64, json.get("versions").get(0).get("checksum").asText().length());
        assertEquals("GAP", json.get("problems").get(0).get("kind").asText());
        assertTrue(json.get("problems").get(0).get("file").asText().endsWith("0004-gap.yaml"));
    }

    @Test
    void planOnInvalidFolderListsEveryProblemAndExitsTwo() throws IOException {
        write("0001-a.yaml", "version: 2\ndescription: x\nexpand:\n  sql: SELECT 1\n");
        write("V1_1__b.sql", "SELECT 1;");
        Run run = run("plan", "--migrations", dir.toString());
        assertEquals(ExitCodes.BAD_INPUT, run.code());
        assertTrue(run.out().contains("[FIELD]") && run.out().contains("expand.down: is missing"), run::out);
        assertTrue(run.out().contains("[UNSUPPORTED_FLYWAY]"), run::out);
    }

    @Test
    void lintRefusesInvalidManifestsBeforeTouchingAnyDatabase() throws IOException {
        write("0001-a.yaml", "version: 1\n");
        Run run = run("lint", "--migrations", dir.toString(), "--scratch-url", "jdbc:postgresql://127.0.0.1:1/x");
        assertEquals(ExitCodes.BAD_INPUT, run.code(), run::toString);
        assertTrue(run.err().contains("are invalid"), run::err);
    }

    @Test
    void lintArgumentErrorsExitTwo() throws IOException {
        validFolder();
        String folder = dir.toString();
        String url = "jdbc:postgresql://127.0.0.1:1/x";
        assertEquals(ExitCodes.BAD_INPUT, run("lint", "--migrations", folder).code(), "missing --scratch-url");
        assertEquals(ExitCodes.BAD_INPUT, run("lint", "--migrations", folder, "--scratch-url", url,
                "--allow", "FL999").code(), "unknown rule");
        Run breaking = run("lint", "--migrations", folder, "--scratch-url", url, "--allow", "FL101");
        assertEquals(ExitCodes.BAD_INPUT, breaking.code());
        assertTrue(breaking.err().contains("only dangerous rules"), breaking::err);
        Run missing = run("lint", "--migrations", folder, "--scratch-url", url, "--version", "7");
        assertEquals(ExitCodes.BAD_INPUT, missing.code());
        assertTrue(missing.err().contains("no V7"), missing::err);
        assertEquals(ExitCodes.BAD_INPUT, run("lint", "--migrations", folder, "--scratch-url", url,
                "--version", "1", "--from", "1").code());
        assertEquals(ExitCodes.BAD_INPUT, run("frobnicate").code());
        assertEquals(ExitCodes.BAD_INPUT, run().code());
    }

    @Test
    void lintExitsThreeWhenTheScratchDatabaseCannotBeReachedAndHidesThePassword() throws IOException {
        validFolder();
        Run run = run("lint", "--migrations", dir.toString(), "--scratch-url",
                "jdbc:postgresql://127.0.0.1:1/x?user=u&password=hunter2&connectTimeout=2");
        assertEquals(ExitCodes.UNREACHABLE, run.code(), run::toString);
        assertTrue(run.err().contains("cannot reach the scratch database"), run::err);
        assertFalse(run.err().contains("hunter2"), run::err);
    }

    @Test
    void helpExitsZero() {
        assertEquals(ExitCodes.OK, run("lint", "--help").code());
        assertEquals(ExitCodes.OK, run("--help").code());
    }
}
