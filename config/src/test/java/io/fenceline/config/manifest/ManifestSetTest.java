package io.fenceline.config.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.fenceline.config.manifest.ManifestProblem.Kind.DUPLICATE;
import static io.fenceline.config.manifest.ManifestProblem.Kind.EDITED;
import static io.fenceline.config.manifest.ManifestProblem.Kind.EMPTY;
import static io.fenceline.config.manifest.ManifestProblem.Kind.FIELD;
import static io.fenceline.config.manifest.ManifestProblem.Kind.FILE_NAME;
import static io.fenceline.config.manifest.ManifestProblem.Kind.GAP;
import static io.fenceline.config.manifest.ManifestProblem.Kind.MISSING;
import static io.fenceline.config.manifest.ManifestProblem.Kind.OUT_OF_ORDER;
import static io.fenceline.config.manifest.ManifestProblem.Kind.SYNTAX;
import static io.fenceline.config.manifest.ManifestProblem.Kind.UNSUPPORTED_FLYWAY;
import static io.fenceline.config.manifest.ManifestProblem.Kind.VERSION_MISMATCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestSetTest {

    @TempDir
    Path dir;

    static String manifest(int version, String extra) {
        return "version: " + version + "\n"
                + "description: step " + version + "\n"
                + "expand:\n"
                + "  sql: ALTER TABLE t ADD COLUMN c" + version + " int;\n"
                + "  down: ALTER TABLE t DROP COLUMN c" + version + ";\n"
                + extra;
    }

    static final String V1 = manifest(1, "");
    static final String V2 = manifest(2, "");
    static final String V3 = manifest(3, "");

    static String checksumOf(String yaml) {
        return ((ManifestReader.Result.Read) ManifestReader.readYaml("x.yaml", yaml)).manifest().checksum();
    }

    /** One line per error class: the files, what was applied, the problem expected and words of its message. */
    static Stream<Arguments> problems() {
        return Stream.of(
                row("unparseable YAML", files("0001-a.yaml", "version: 1\nexpand: [unclosed"), List.of(),
                        SYNTAX, "0001-a.yaml", "not valid YAML"),
                row("YAML that is not a mapping", files("0001-a.yaml", "- just\n- a list\n"), List.of(),
                        SYNTAX, "0001-a.yaml", "YAML mapping"),
                row("duplicate key", files("0001-a.yaml", V1 + "version: 1\n"), List.of(),
                        SYNTAX, "0001-a.yaml", "Duplicate field 'version'"),
                row("missing version", files("0001-a.yaml", V1.replace("version: 1\n", "")), List.of(),
                        FIELD, "0001-a.yaml: version: is missing", null),
                row("version zero", files("0001-a.yaml", V1.replace("version: 1", "version: 0")), List.of(),
                        FIELD, "version: must be greater than 0", null),
                row("version as text", files("0001-a.yaml", V1.replace("version: 1", "version: one")), List.of(),
                        FIELD, "version: must be a whole number", null),
                row("version with a fraction", files("0001-a.yaml", V1.replace("version: 1", "version: 1.0")),
                        List.of(), FIELD, "version: must be a whole number", null),
                row("missing description", files("0001-a.yaml", V1.replace("description: step 1\n", "")),
                        List.of(), FIELD, "description: is missing", null),
                row("unknown key", files("0001-a.yaml", V1 + "rollback: yes\n"), List.of(),
                        FIELD, "rollback: is not a known key", null),
                row("unknown phase key", files("0001-a.yaml", V1.replace("  down:", "  undo: x\n  down:")),
                        List.of(), FIELD, "expand.undo: is not a known key", null),
                row("no phase", files("0001-a.yaml", "version: 1\ndescription: nothing\n"), List.of(),
                        FIELD, "has no phase", null),
                row("phase without down", files("0001-a.yaml",
                                "version: 1\ndescription: d\ncontract:\n  sql: DROP TABLE t;\n"), List.of(),
                        FIELD, "contract.down: is missing", null),
                row("phase of comments only", files("0001-a.yaml",
                                "version: 1\ndescription: d\nexpand:\n  sql: '-- nothing'\n  down: SELECT 1\n"),
                        List.of(), FIELD, "expand.sql: holds only comments", null),
                row("bad timeout", files("0001-a.yaml", V1 + "options:\n  lock_timeout: soon\n"), List.of(),
                        FIELD, "options.lock_timeout: must be a duration", null),
                row("bad batch size", files("0001-a.yaml", V1 + "options:\n  backfill_batch_size: -5\n"),
                        List.of(), FIELD, "options.backfill_batch_size: must be a whole number greater than 0",
                        null),
                row("bad YAML file name", files("12-Add_Email.yaml", manifest(12, "")), List.of(),
                        FILE_NAME, "12-Add_Email.yaml", "<version>-<slug>.yaml"),
                row("bad SQL file name", files("add_email.sql", "SELECT 1;"), List.of(),
                        FILE_NAME, "add_email.sql", "V<version>__<name>.sql"),
                row("version 0 file name", files("0000-a.yaml", manifest(1, "")), List.of(),
                        FILE_NAME, "0000-a.yaml", "greater than 0"),
                row("Flyway dotted version", files("V1_1__fix.sql", "SELECT 1;"), List.of(),
                        UNSUPPORTED_FLYWAY, "V1_1__fix.sql", "Flyway version 1_1 has several parts"),
                row("Flyway repeatable", files("R__views.sql", "SELECT 1;"), List.of(),
                        UNSUPPORTED_FLYWAY, "R__views.sql", "repeatable"),
                row("Flyway undo without versioned", files("0001-a.yaml", V1, "U2__x.sql", "SELECT 1;"),
                        List.of(), FILE_NAME, "U2__x.sql", "no V2__ file"),
                row("file name and content disagree", files("0001-a.yaml", V1, "0002-b.yaml", V3), List.of(),
                        VERSION_MISMATCH, "0002-b.yaml", "file name says V2 but the file says version: 3"),
                row("duplicate version", files("0001-a.yaml", V1, "001-b.yaml", V1), List.of(),
                        DUPLICATE, "V1 is declared by 2 files", null),
                row("duplicate across YAML and Flyway", files("0001-a.yaml", V1, "V1__a.sql", "SELECT 1;"),
                        List.of(), DUPLICATE, "V1 is declared by 2 files", null),
                row("gap", files("0001-a.yaml", V1, "0003-c.yaml", V3), List.of(),
                        GAP, "0003-c.yaml", "versions jump from V1"),
                row("empty folder", files("README.md", "not a manifest"), List.of(),
                        EMPTY, "holds no manifest", null),
                row("edited after applied", files("0001-a.yaml", V1, "0002-b.yaml", V2),
                        List.of(new AppliedManifest(1, checksumOf(V1)), new AppliedManifest(2, "0".repeat(64))),
                        EDITED, "V2 (", "0002-b.yaml) was edited after it was applied: checksum "
                                + checksumOf(V2) + ", applied " + "0".repeat(64)),
                row("applied version missing", files("0002-b.yaml", V2),
                        List.of(new AppliedManifest(1, "abc")), MISSING, "V1 was applied (checksum abc)", null),
                row("out of order", files("0001-a.yaml", V1, "0002-b.yaml", V2, "0003-c.yaml", V3),
                        List.of(new AppliedManifest(1, checksumOf(V1)), new AppliedManifest(3, checksumOf(V3))),
                        OUT_OF_ORDER, "0002-b.yaml", "V2 is not applied but V3 already is"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void reportsProblem(String name, Map<String, String> files, List<AppliedManifest> applied,
                        ManifestProblem.Kind kind, String fragment, String moreFragment) throws IOException {
        write(files);
        ManifestSet set = ManifestSet.load(dir, applied);
        assertFalse(set.valid(), () -> name + ": expected a problem, got " + set);
        ManifestProblem problem = set.problems().stream().filter(p -> p.kind() == kind).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no " + kind + " problem in " + set.problems()));
        String text = problem.toString();
        assertTrue(text.contains(fragment), () -> name + ": '" + fragment + "' not in: " + text);
        if (moreFragment != null) {
            assertTrue(text.contains(moreFragment), () -> name + ": '" + moreFragment + "' not in: " + text);
        }
        assertTrue(text.contains(dir.toString()), () -> name + ": problem does not name the folder/file: " + text);
    }

    @Test
    void listsEveryProblemAtOnce() throws IOException {
        write(files("0001-a.yaml", V1.replace("description: step 1\n", "") + "colour: red\n",
                "0002-b.yaml", V3, "0004-d.yaml", manifest(4, ""), "V5_1__x.sql", "SELECT 1;"));
        ManifestSet set = ManifestSet.load(dir, List.of());
        List<ManifestProblem.Kind> kinds = set.problems().stream().map(ManifestProblem::kind).toList();
        assertEquals(List.of(FIELD, FIELD, VERSION_MISMATCH, UNSUPPORTED_FLYWAY, GAP), kinds,
                () -> "problems: " + set.problems());
    }

    @Test
    void loadsAValidFolderWithFlywayImportsAndIgnoresOtherFiles() throws IOException {
        write(files("0001-create.yaml", "version: 1\ndescription: create\n"
                        + "options:\n  statement_timeout: 30s\n  lock_timeout: 500ms\n  backfill_batch_size: 200\n"
                        + "expand:\n  sql: |\n    CREATE TABLE t (id int);\n  down: DROP TABLE t\n"
                        + "backfill:\n  sql: UPDATE t SET id = id\n  down: SELECT 1\n"
                        + "contract:\n  sql: ALTER TABLE t DROP COLUMN x\n  down: ALTER TABLE t ADD COLUMN x int\n",
                "V2__add_name.sql", "ALTER TABLE t ADD COLUMN name text;\nCREATE INDEX t_name ON t (name);\n",
                "U2__add_name.sql", "DROP INDEX t_name; ALTER TABLE t DROP COLUMN name;",
                "V3__no_undo.sql", "ALTER TABLE t ADD COLUMN age int;",
                "README.md", "# migrations", ".hidden.yaml", "garbage: ["));
        ManifestSet set = ManifestSet.load(dir, List.of());
        assertTrue(set.valid(), () -> "problems: " + set.problems());
        assertEquals(List.of(1, 2, 3), set.manifests().stream().map(Manifest::version).toList());

        Manifest v1 = set.version(1).orElseThrow();
        assertEquals(List.of(PhaseName.EXPAND, PhaseName.BACKFILL, PhaseName.CONTRACT), v1.phaseNames());
        assertEquals(new ManifestOptions(Duration.ofSeconds(30), Duration.ofMillis(500), 200), v1.options());

        Manifest v2 = set.version(2).orElseThrow();
        assertEquals("add name", v2.description());
        assertEquals(List.of(PhaseName.EXPAND), v2.phaseNames());
        assertEquals(2, v2.expand().statements().size());
        assertEquals(List.of("DROP INDEX t_name", "ALTER TABLE t DROP COLUMN name"), v2.expand().downStatements());
        assertTrue(set.version(3).orElseThrow().expand().downSql().isEmpty());
    }

    @Test
    void appliedPrefixWithMatchingChecksumsIsValid() throws IOException {
        write(files("0001-a.yaml", V1, "0002-b.yaml", V2, "0003-c.yaml", V3));
        ManifestSet set = ManifestSet.load(dir, List.of(new AppliedManifest(1, checksumOf(V1)),
                new AppliedManifest(2, checksumOf(V2))));
        assertTrue(set.valid(), () -> "problems: " + set.problems());
    }

    @Test
    void missingFolderIsAProblemNotAnException() {
        ManifestSet set = ManifestSet.load(dir.resolve("nope"));
        assertEquals(ManifestProblem.Kind.UNREADABLE, set.problems().get(0).kind());
        assertTrue(set.problems().get(0).toString().contains("nope"));
    }

    @Test
    void checksumIgnoresYamlFormattingButNotSql() {
        String block = "version: 7\ndescription: one\nexpand:\n  sql: |\n    ALTER TABLE t ADD COLUMN c int;\n"
                + "    CREATE INDEX i ON t (c);\n  down: |\n    DROP INDEX i;\n    ALTER TABLE t DROP COLUMN c;\n";
        String reformatted = "# a comment\ndescription:   'another description'\nexpand:\n"
                + "    down: \"DROP INDEX i;   \\nALTER TABLE t DROP COLUMN c;\\n\\n\"\n"
                + "    sql: \"ALTER TABLE t ADD COLUMN c int;\\r\\nCREATE INDEX i ON t (c);\"\n"
                + "version: 7\n";
        assertEquals(checksumOf(block), checksumOf(reformatted));
        assertNotEquals(checksumOf(block), checksumOf(block.replace("ADD COLUMN c int", "ADD COLUMN c bigint")));
        assertNotEquals(checksumOf(block), checksumOf(block.replace("ADD COLUMN c int", "ADD  COLUMN c int")));
        assertNotEquals(checksumOf(block), checksumOf(block.replace("DROP INDEX i;", "DROP INDEX IF EXISTS i;")));
        assertNotEquals(checksumOf(block), checksumOf(block.replace("version: 7", "version: 8")));
        assertNotEquals(checksumOf(block), checksumOf(block + "options:\n  lock_timeout: 1s\n"));
        assertEquals(checksumOf(block + "options:\n  lock_timeout: 1s\n"),
                checksumOf(block + "options:\n  lock_timeout: 1000\n"));
        assertTrue(checksumOf(block).matches("[0-9a-f]{64}"));
    }

    private void write(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
    }

    private static Map<String, String> files(String... nameThenContent) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < nameThenContent.length; i += 2) {
            files.put(nameThenContent[i], nameThenContent[i + 1]);
        }
        return files;
    }

    private static Arguments row(String name, Map<String, String> files, List<AppliedManifest> applied,
                                 ManifestProblem.Kind kind, String fragment, String moreFragment) {
        return Arguments.of(name, files, applied, kind, fragment, moreFragment);
    }
}
