package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One level of name resolution, as PostgreSQL's parse state has it: the FROM items of a query (tables,
 * subqueries, CTE references, functions) with their columns in one catalog, the CTEs a {@code WITH} introduces,
 * the names merged by {@code USING} / {@code NATURAL}, and the enclosing level (for correlated references). Used
 * by {@link Resolver}; one resolution, one thread.
 */
final class Scope {

    /**
     * A column a FROM item or a query's output offers: its name, and where its value comes from ({@code origin}:
     * the base column {@code i3.email}, or the expression {@code e7.2}), so that two catalogs can be compared by
     * what a reference reaches rather than by its position.
     */
    record Column(String name, String origin) {}

    /**
     * A FROM item: its visible name ({@code ""} for an unnamed subquery), the base table when it is one, and
     * its columns in order, or null when they are unknown (a function whose result the proxy cannot know, a
     * table outside the catalog): a reference that may reach such an item is left to PostgreSQL.
     */
    static final class Item {
        final int id;
        final String alias;
        final TableName table;
        final List<Column> columns;

        Item(int id, String alias, TableName table, List<Column> columns) {
            this.id = id;
            this.alias = alias;
            this.table = table;
            this.columns = columns;
        }

        boolean opaque() {
            return columns == null;
        }

        /** How many of this item's columns are called {@code name}. */
        int count(String name) {
            int n = 0;
            for (Column c : columns) {
                if (c.name().equals(name)) {
                    n++;
                }
            }
            return n;
        }

        Column column(String name) {
            for (Column c : columns) {
                if (c.name().equals(name)) {
                    return c;
                }
            }
            return null;
        }
    }

    final Scope parent;
    final List<Item> items = new ArrayList<>();
    final Map<String, List<Column>> ctes = new HashMap<>();
    /** Column names merged by USING or NATURAL: an unqualified one is not ambiguous between the joined items. */
    final Set<String> merged = new HashSet<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The columns of the CTE {@code name} visible here; {@code null} when none; an empty optional when unknown. */
    CteLookup cte(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.ctes.containsKey(name)) {
                return new CteLookup(s.ctes.get(name));
            }
        }
        return null;
    }

    /** A CTE found by name, with its columns (null when unknown: a recursive CTE inside its own definition). */
    record CteLookup(List<Column> columns) {}

    /** The item whose visible name is {@code alias} (a schema-qualified reference must match the table's schema). */
    Item item(String schema, String alias) {
        for (int k = items.size() - 1; k >= 0; k--) {
            Item i = items.get(k);
            if (i.alias.equals(alias) && (schema == null || i.table == null || i.table.schema() == null
                    || schema.equals(i.table.schema()))) {
                return i;
            }
        }
        return null;
    }

    /** The only base table of this level, for the message of an unknown unqualified column; null when not one. */
    TableName onlyTable() {
        return items.size() == 1 ? items.get(0).table : null;
    }

    /** Every column {@code *} expands to here: each item's, a merged name once. */
    List<Column> star() {
        List<Column> out = new ArrayList<>();
        Set<String> seenMerged = new HashSet<>();
        for (Item i : items) {
            if (i.opaque()) {
                return null;
            }
            for (Column c : i.columns) {
                if (merged.contains(c.name()) && !seenMerged.add(c.name())) {
                    continue;
                }
                out.add(c);
            }
        }
        return out;
    }
}
