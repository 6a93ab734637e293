package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fenceline lint} end to end against a real PostgreSQL, in-process and through the runnable jar. */
class CliIT {

    private static PostgresServer pg;
    private static String scratchUrl;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE DATABASE scratch");
        pg.executeIn("scratch", "CREATE TABLE users (id bigint PRIMARY KEY, name text);"
                + " INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g");
        scratchUrl = pg.jdbcUrl("scratch") + "?user=" + pg.superuser();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private void cleanFolder() throws IOException {
        Files.writeString(dir.resolve("0001-add-email.yaml"), """
                version: 1
                description: add an email column
                options:
                  lock_timeout: 2s
                expand:
                  sql: |
                    ALTER TABLE users ADD COLUMN email text;
                    CREATE INDEX CONCURRENTLY users_email ON users (email);
                  down: |
                    DROP INDEX CONCURRENTLY users_email;
                    ALTER TABLE users DROP COLUMN email;
                contract:
                  sql: ALTER TABLE users DROP COLUMN name;
                  down: ALTER TABLE users ADD COLUMN name text;
                """);
    }

    @Test
    void cleanMigrationsExitZeroWithATable() throws IOException {
        cleanFolder();
        CliTest.Run run = CliTest.run("lint", "--migrations", dir.toString(), "--scratch-url", scratchUrl);
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("V1 expand"), run::out);
        assertTrue(run.out().contains("ShareUpdateExclusiveLock on public.users"), run::out);
        assertTrue(run.out().contains("FL302"), run::out);
        assertTrue(run.out().contains("V1 contract") && run.out().contains("BREAKING"), run::out);
        assertTrue(run.out().contains("down: restores the catalog"), run::out);
        assertTrue(run.out().contains("-> clean"), run::out);
    }

    @Test
    void breakingInExpandAndDangerousExitOneAndJsonSaysWhy() throws Exception {
        Files.writeString(dir.resolve("V1__bad.sql"), "ALTER TABLE users RENAME COLUMN name TO full_name;\n"
                + "CREATE INDEX users_name ON users (full_name);\n");
        CliTest.Run run = CliTest.run("lint", "--migrations", dir.toString(), "--scratch-url", scratchUrl,
                "--json", "--observed-sizes");
        assertEquals(ExitCodes.FINDINGS, run.code(), run::toString);
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertTrue(json.get("blocking").asBoolean());
        JsonNode statements = json.get("steps").get(0).get("statements");
        assertEquals("BREAKING", statements.get(0).get("verdict").asText());
        assertEquals("FL401", statements.get(0).get("findings").get(0).get("rule").asText());
        assertEquals("DANGEROUS", statements.get(1).get("verdict").asText());
        assertEquals("ShareLock", statements.get(1).get("strongest_lock").get("mode").asText());
        assertEquals("FL305", json.get("steps").get(0).get("findings").get(0).get("rule").asText());
    }

    @Test
    void allowingTheDangerousRuleLeavesOnlyWhatCannotBeAllowed() throws Exception {
        Files.writeString(dir.resolve("0001-index.yaml"), "version: 1\ndescription: index\nexpand:\n"
                + "  sql: CREATE INDEX users_name ON users (name)\n  down: DROP INDEX users_name\n");
        String[] base = {"lint", "--migrations", dir.toString(), "--scratch-url", scratchUrl};
        assertEquals(ExitCodes.FINDINGS, CliTest.run(base).code());
        String[] allowed = Stream.concat(Stream.of(base), Stream.of("--allow", "fl202")).toArray(String[]::new);
        CliTest.Run run = CliTest.run(allowed);
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("(allowed)"), run::out);
    }

    @Test
    void runnableJarPlansAndLints() throws Exception {
        cleanFolder();
        Path jar;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("basedir", ".")).resolve("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("fenceline-control-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no runnable jar in target/"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        assertEquals(ExitCodes.OK, exec(List.of(java, "-jar", jar.toString(), "plan", "--migrations", dir.toString())));
        assertEquals(ExitCodes.OK, exec(List.of(java, "-jar", jar.toString(), "lint", "--migrations", dir.toString(),
                "--scratch-url", scratchUrl, "--json")));
    }

    private int exec(List<String> command) throws Exception {
        Path output = dir.resolve("process.out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(!text.isBlank(), () -> "no output from " + command);
        if (command.contains("--json")) {
            Json.MAPPER.readTree(text);
        }
        return process.exitValue();
    }
}
