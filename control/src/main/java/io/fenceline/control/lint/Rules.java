package io.fenceline.control.lint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies the {@link LintRule} table to the facts of one statement. Pure: no database, so each rule is
 * unit-testable on hand-made facts; the facts themselves come from PostgreSQL.
 */
public final class Rules {

    private static final Set<ObjectKind> TABLES = Set.of(ObjectKind.TABLE, ObjectKind.PARTITIONED_TABLE,
            ObjectKind.FOREIGN_TABLE);
    private static final Set<ObjectKind> OTHER_CLIENT_OBJECTS = Set.of(ObjectKind.VIEW,
            ObjectKind.MATERIALIZED_VIEW, ObjectKind.SEQUENCE, ObjectKind.TYPE, ObjectKind.COMPOSITE_TYPE,
            ObjectKind.FUNCTION, ObjectKind.SCHEMA);
    private static final Pattern VARCHAR = Pattern.compile("character varying(?:\\((\\d+)\\))?");
    private static final Pattern NUMERIC = Pattern.compile("numeric(?:\\((\\d+),(\\d+)\\))?");

    private Rules() {
    }

    /** The findings for one statement, in rule order. */
    public static List<Finding> evaluate(StatementFacts facts, LintOptions options) {
        List<Finding> findings = new ArrayList<>();
        TableSizes sizes = facts.sizes();

        for (CatalogObject removed : facts.diff().removed()) {
            if (TABLES.contains(removed.kind())) {
                add(findings, options, LintRule.FL101, removed.display(), removed.label() + " dropped ("
                        + sizes.describe(removed.id()) + ")");
            } else if (removed.kind() == ObjectKind.COLUMN && facts.after().get(removed.relationId()).isPresent()) {
                add(findings, options, LintRule.FL102, removed.display(), "column " + removed.display() + " ("
                        + removed.attribute("type") + ") dropped");
            } else if (OTHER_CLIENT_OBJECTS.contains(removed.kind())) {
                add(findings, options, LintRule.FL108, removed.display(), removed.label() + " dropped");
            }
        }

        for (ObjectChange change : facts.diff().changed()) {
            CatalogObject was = change.before();
            CatalogObject now = change.after();
            if (now.kind() == ObjectKind.COLUMN) {
                if (change.changed("name")) {
                    add(findings, options, LintRule.FL104, now.display(), "renamed from " + was.attribute("name"));
                }
                if (change.changed("type") && !isWidening(was.attribute("type"), now.attribute("type"))) {
                    add(findings, options, LintRule.FL105, now.display(), "type " + change.changes().get("type"));
                }
                if (!was.flag("not null") && now.flag("not null")) {
                    add(findings, options, LintRule.FL106, now.display(), "NOT NULL added");
                    if (sizes.nonEmpty(now.relationId()) && !hasNotNullCheck(facts.before(), now)) {
                        add(findings, options, LintRule.FL205, tableName(facts, now.relationId()),
                                "SET NOT NULL on " + now.display() + " scans "
                                        + sizes.describe(now.relationId()) + " under ACCESS EXCLUSIVE");
                    }
                }
                if (!was.attribute("default").isEmpty() && now.attribute("default").isEmpty()) {
                    add(findings, options, LintRule.FL111, now.display(), "default "
                            + was.attribute("default") + " dropped");
                }
            } else if (now.kind() != ObjectKind.INDEX && now.kind() != ObjectKind.CONSTRAINT
                    && now.kind() != ObjectKind.TRIGGER && (change.changed("name") || change.changed("schema"))
                    && (TABLES.contains(now.kind()) || OTHER_CLIENT_OBJECTS.contains(now.kind()))) {
                add(findings, options, LintRule.FL103, now.display(), "renamed from "
                        + was.attribute("schema") + (was.attribute("schema").isEmpty() ? "" : ".")
                        + was.attribute("name"));
            }
            if (now.kind() == ObjectKind.TYPE && change.changed("labels")) {
                List<String> old = List.of(was.attribute("labels").split(","));
                List<String> current = List.of(now.attribute("labels").split(","));
                if (!current.containsAll(old)) {
                    add(findings, options, LintRule.FL109, now.display(), "labels " + change.changes().get("labels"));
                }
            }
            if (change.changed("acl") && revokes(was.attribute("acl"), now.attribute("acl"))) {
                add(findings, options, LintRule.FL110, now.display(), "privileges " + change.changes().get("acl"));
            }
        }

        for (CatalogObject added : facts.diff().added()) {
            String table = added.relationId();
            boolean onExisting = facts.existedBefore(table);
            if (added.kind() == ObjectKind.COLUMN && onExisting && added.flag("not null")
                    && added.attribute("default").isEmpty() && added.attribute("identity").isEmpty()
                    && added.attribute("generated").isEmpty()) {
                add(findings, options, LintRule.FL107, added.display(), "NOT NULL column without a default");
            } else if (added.kind() == ObjectKind.INDEX && onExisting && sizes.nonEmpty(table)
                    && !facts.concurrentEquivalent()) {
                add(findings, options, LintRule.FL202, tableName(facts, table), "index " + added.display()
                        + " built on " + sizes.describe(table) + " while writes wait");
            } else if (added.kind() == ObjectKind.CONSTRAINT && onExisting) {
                String type = added.attribute("constraint type");
                boolean validated = added.flag("validated");
                if (type.equals("f") && validated && sizes.nonEmpty(table)) {
                    add(findings, options, LintRule.FL203, tableName(facts, table), added.display() + " "
                            + added.attribute("definition") + " validated over " + sizes.describe(table));
                } else if (type.equals("c") && validated && sizes.nonEmpty(table)) {
                    add(findings, options, LintRule.FL204, tableName(facts, table), added.display() + " "
                            + added.attribute("definition") + " validated over " + sizes.describe(table));
                }
                if (!validated) {
                    add(findings, options, LintRule.FL303, added.display(), added.attribute("definition"));
                }
                if (Set.of("c", "f", "u", "p", "x").contains(type)) {
                    add(findings, options, LintRule.FL304, added.display(), added.attribute("definition"));
                }
            }
        }

        boolean truncate = firstWord(facts.sql()).equals("TRUNCATE");
        for (CatalogObject rewritten : facts.rewritten()) {
            if (!rewritten.kind().holdsRows() || !sizes.nonEmpty(rewritten.id())) {
                continue;
            }
            if (truncate) {
                add(findings, options, LintRule.FL207, rewritten.display(), "deletes "
                        + sizes.describe(rewritten.id()));
            } else {
                add(findings, options, LintRule.FL201, rewritten.display(), "relfilenode changed: "
                        + sizes.describe(rewritten.id()) + " copied under ACCESS EXCLUSIVE");
            }
        }

        for (RelationLock lock : facts.locks()) {
            if (!lock.preExisting() || lock.mode() != LockMode.ACCESS_EXCLUSIVE || !lock.kind().holdsRows()) {
                continue;
            }
            long rows = sizes.rowsOf(lock.relationId());
            if (rows > options.bigTableRows()) {
                add(findings, options, LintRule.FL206, lock.relation(), "AccessExclusiveLock on "
                        + sizes.describe(lock.relationId()) + " (limit " + options.bigTableRows() + ")");
            } else {
                add(findings, options, LintRule.FL301, lock.relation(), "AccessExclusiveLock");
            }
        }

        if (facts.concurrentEquivalent()) {
            add(findings, options, LintRule.FL302, "statement", "ran: " + facts.executed());
        }
        findings.sort(java.util.Comparator.comparing(Finding::rule));
        return findings;
    }

    /** The verdict that a statement's findings add up to. */
    public static Verdict verdict(List<Finding> findings) {
        Verdict verdict = Verdict.COMPATIBLE;
        for (Finding f : findings) {
            Verdict v = switch (f.rule().level()) {
                case NOTE -> Verdict.COMPATIBLE;
                case BREAKING -> Verdict.BREAKING;
                case DANGEROUS -> Verdict.DANGEROUS;
                case ERROR -> f.rule() == LintRule.FL001 ? Verdict.FAILED : Verdict.COMPATIBLE;
            };
            if (v.compareTo(verdict) > 0) {
                verdict = v;
            }
        }
        return verdict;
    }

    /**
     * True if changing a column from {@code before} to {@code after} keeps every value and every client
     * statement valid: longer or unbounded varchar, varchar to text, more numeric precision at the same scale.
     */
    static boolean isWidening(String before, String after) {
        Matcher b = VARCHAR.matcher(before);
        if (b.matches()) {
            if (after.equals("text")) {
                return true;
            }
            Matcher a = VARCHAR.matcher(after);
            return a.matches() && (a.group(1) == null
                    || (b.group(1) != null && Integer.parseInt(a.group(1)) >= Integer.parseInt(b.group(1))));
        }
        Matcher nb = NUMERIC.matcher(before);
        Matcher na = NUMERIC.matcher(after);
        if (nb.matches() && na.matches()) {
            if (na.group(1) == null) {
                return true;
            }
            return nb.group(1) != null && nb.group(2).equals(na.group(2))
                    && Integer.parseInt(na.group(1)) >= Integer.parseInt(nb.group(1));
        }
        return false;
    }

    /** True if some grantee in {@code before} lost a privilege letter in {@code after}. */
    static boolean revokes(String before, String after) {
        if (before.isEmpty()) {
            return false; // default privileges: only the owner, who keeps them
        }
        Map<String, String> now = acl(after);
        for (Map.Entry<String, String> entry : acl(before).entrySet()) {
            String kept = now.getOrDefault(entry.getKey(), "");
            for (char privilege : entry.getValue().toCharArray()) {
                if (kept.indexOf(privilege) < 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code {app=r/owner,=U/owner}} to grantee -> privilege letters (PUBLIC is the empty grantee). */
    private static Map<String, String> acl(String text) {
        Map<String, String> entries = new HashMap<>();
        String body = text.replaceAll("^\\{|}$", "");
        if (body.isEmpty()) {
            return entries;
        }
        for (String item : body.split(",")) {
            int eq = item.lastIndexOf('=');
            int slash = item.lastIndexOf('/');
            if (eq < 0) {
                continue;
            }
            String grantee = item.substring(0, eq).replace("\"", "");
            String privileges = slash > eq ? item.substring(eq + 1, slash) : item.substring(eq + 1);
            entries.merge(grantee, privileges, String::concat);
        }
        return entries;
    }

    /** True if {@code before} has a validated {@code CHECK (col IS NOT NULL)} on the column's table. */
    private static boolean hasNotNullCheck(CatalogSnapshot before, CatalogObject column) {
        String wanted = ("CHECK" + column.attribute("name") + "ISNOTNULL").toLowerCase(Locale.ROOT);
        return before.objects().values().stream().anyMatch(o -> o.kind() == ObjectKind.CONSTRAINT
                && column.relationId().equals(o.relationId()) && o.flag("validated")
                && o.attribute("definition").replaceAll("[()\\s\"]", "").toLowerCase(Locale.ROOT).equals(wanted));
    }

    private static String tableName(StatementFacts facts, String relationId) {
        return facts.after().get(relationId).or(() -> facts.before().get(relationId))
                .map(CatalogObject::display).orElse(relationId);
    }

    static String firstWord(String sql) {
        String stripped = sql.replaceAll("(?s)^(\\s|--[^\\n]*\\n|/\\*.*?\\*/)*", "");
        int end = 0;
        while (end < stripped.length() && Character.isLetter(stripped.charAt(end))) {
            end++;
        }
        return stripped.substring(0, end).toUpperCase(Locale.ROOT);
    }

    private static void add(List<Finding> findings, LintOptions options, LintRule rule, String subject,
                            String detail) {
        boolean overridden = rule.level() == Level.DANGEROUS && options.allowed().contains(rule);
        findings.add(new Finding(rule, subject, detail, overridden));
    }
}
