// The statement that loads one batch of a table. PostgreSQL itself turns the
// backup's JSON rows back into typed values (the backup library's
// populateRowsSql: json_populate_record over the target's row type, JSON null
// kept apart from SQL NULL), so every type comes back exactly as it was dumped.
// $1 is the batch: a JSON array of the backup's row objects.
import { populateRowsSql } from "../backup/index.ts";
import { qualifiedName, quoteIdent } from "../db.ts";
import type { ForeignKey } from "../tables.ts";
import type { PlannedTable } from "./plan.ts";

/** Whether a batch needs the row-by-row classification (else a plain INSERT … SELECT). */
export function needsChecks(planned: PlannedTable): boolean {
  return planned.skipExisting || planned.uniqueChecks.length > 0 || planned.parentChecks.length > 0;
}

/** The batch's rows, typed, with the planned columns in order. */
function source(planned: PlannedTable): string {
  const types = new Map(planned.table.columns.map((column) => [column.name, column.type]));
  const columns = planned.columns.map((name) => ({ name, type: types.get(name)! }));
  return populateRowsSql(planned.table.schema, planned.table.name, columns);
}

function insertInto(planned: PlannedTable): string {
  const columns = planned.columns.map(quoteIdent).join(", ");
  // Identity ALWAYS columns refuse explicit values without it; the backup's values must win.
  const overriding = planned.table.columns.some((column) => column.identity === "a") ? " OVERRIDING SYSTEM VALUE" : "";
  return `INSERT INTO ${qualifiedName(planned.table.schema, planned.table.name)} (${columns})${overriding}`;
}

/** Plain load: every row of the batch is inserted (empty and replace modes with no outside parents). */
export function plainInsertSql(planned: PlannedTable): string {
  return `${insertInto(planned)} ${source(planned)}`;
}

function matches(left: string, right: string, columns: string[], referenced = columns): string {
  return columns.map((column, i) => `${left}.${quoteIdent(referenced[i]!)} = ${right}.${quoteIdent(column)}`).join(" AND ");
}

function parentMissing(fk: ForeignKey, schema: string): string {
  // MATCH SIMPLE: a key with any NULL column references nothing and is not checked.
  const allSet = fk.columns.map((column) => `i.${quoteIdent(column)} IS NOT NULL`).join(" AND ");
  return `CASE WHEN ${allSet} AND NOT EXISTS (SELECT 1 FROM ${qualifiedName(schema, fk.referencedTable)} p
            WHERE ${matches("p", "i", fk.columns, fk.referencedColumns)}) THEN ${literal(`parent:${fk.name}`)} END`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Classifying load: each row is skipped (primary key present), refused
 * (clashes on a unique key, or its parent row is missing) or inserted, in
 * one statement. Returns inserted, skipped and the refused rows' keys.
 */
export function checkedInsertSql(planned: PlannedTable): string {
  const { schema, name, primaryKey } = planned.table;
  const target = qualifiedName(schema, name);
  // A primary key the backup does not carry (schema mismatch) cannot be looked up.
  const hasKey = primaryKey.length > 0 && primaryKey.every((column) => planned.columns.includes(column));
  const present = planned.skipExisting && hasKey
    ? `EXISTS (SELECT 1 FROM ${target} t WHERE ${matches("t", "i", primaryKey)})`
    : "false";
  const problems = [
    ...planned.uniqueChecks.map(
      (key) => `CASE WHEN EXISTS (SELECT 1 FROM ${target} t WHERE ${matches("t", "i", key.columns)}) THEN ${literal(`unique:${key.name}`)} END`,
    ),
    ...planned.parentChecks.map((fk) => parentMissing(fk, schema)),
  ];
  const problemArray = problems.length > 0 ? `array_remove(ARRAY[${problems.join(",\n            ")}]::text[], NULL)` : `'{}'::text[]`;
  const keyColumns = (hasKey ? primaryKey : planned.columns).map((column) => `c.${quoteIdent(column)}`);
  const columns = planned.columns.map((column) => `c.${quoteIdent(column)}`).join(", ");
  return `WITH incoming (${planned.columns.map(quoteIdent).join(", ")}) AS MATERIALIZED (${source(planned)}),
  classified AS MATERIALIZED (
    SELECT i.*, ${present} AS pdg_present, ${problemArray} AS pdg_problems FROM incoming i),
  inserted AS (
    ${insertInto(planned)} SELECT ${columns} FROM classified c
     WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) = 0 RETURNING 1)
  SELECT (SELECT count(*) FROM inserted)::int AS inserted,
         (SELECT count(*) FROM classified WHERE pdg_present)::int AS skipped,
         (SELECT json_agg(json_build_object('key', json_build_array(${keyColumns.join(", ")}), 'problems', c.pdg_problems))
            FROM classified c WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) > 0) AS refused`;
}
