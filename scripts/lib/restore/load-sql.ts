// The statements that load a table. Rows arrive as COPY text (the backup
// library's JsonRowsToCopyText), so every value goes through its type's input
// function and comes back exactly as it was dumped. A checked load copies a
// batch into STAGING, a temporary table with the planned columns' types, and
// classifies it there.
import { qualifiedName, quoteIdent } from "../db.ts";
import type { ForeignKey } from "../tables.ts";
import type { UniqueKey } from "./catalog.ts";
import type { PlannedTable } from "./plan.ts";

export const STAGING = "pg_temp.pdg_restore_incoming";

/** Whether a batch needs the row-by-row classification (else a plain COPY into the table). */
export function needsChecks(planned: PlannedTable): boolean {
  return planned.skipExisting || planned.uniqueChecks.length > 0 || planned.parentChecks.length > 0;
}

function columnList(planned: PlannedTable): string {
  return planned.columns.map(quoteIdent).join(", ");
}

/** COPY of the planned columns into the table itself, or into STAGING. */
export function copyIntoSql(planned: PlannedTable, options: { staging?: boolean } = {}): string {
  const target = options.staging ? STAGING : qualifiedName(planned.table.schema, planned.table.name);
  // COPY writes identity columns' given values as INSERT … OVERRIDING SYSTEM VALUE would: the backup's values win.
  return `COPY ${target} (${columnList(planned)}) FROM STDIN`;
}

/** STAGING with the planned columns' types and nothing else (no constraints, defaults or indexes). */
export function createStagingSql(planned: PlannedTable): string {
  return `CREATE TEMP TABLE pdg_restore_incoming ON COMMIT DROP AS
    SELECT ${columnList(planned)} FROM ${qualifiedName(planned.table.schema, planned.table.name)} WITH NO DATA`;
}

function insertInto(planned: PlannedTable): string {
  const columns = planned.columns.map(quoteIdent).join(", ");
  // Identity ALWAYS columns refuse explicit values without it; the backup's values must win.
  const overriding = planned.table.columns.some((column) => column.identity === "a") ? " OVERRIDING SYSTEM VALUE" : "";
  return `INSERT INTO ${qualifiedName(planned.table.schema, planned.table.name)} (${columns})${overriding}`;
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

/**
 * A clash with an existing row on a unique index. Expressions and predicates
 * use the table's bare column names: in `FROM target t` they read t's
 * columns, and in `FROM (SELECT i.*) s` the incoming row's.
 */
function uniqueClash(key: UniqueKey, target: string): string {
  const incoming = (sql: string) => `(SELECT ${sql} FROM (SELECT i.*) s)`;
  const sameKey = key.keyColumns
    ? matches("t", "i", key.keyColumns)
    : key.keyExpressions.map((expression) => `${expression} = ${incoming(expression)}`).join(" AND ");
  // A partial index only holds, and only clashes for, rows its condition accepts.
  const existing = `EXISTS (SELECT 1 FROM ${target} t WHERE ${sameKey}${key.predicate ? ` AND (${key.predicate})` : ""})`;
  const clash = key.predicate ? `${incoming(`(${key.predicate})`)} AND ${existing}` : existing;
  return `CASE WHEN ${clash} THEN ${literal(`unique:${key.name}`)} END`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Classifying load: each row is skipped (primary key present), refused
 * (clashes on a unique key, or its parent row is missing) or inserted, in
 * one statement over the batch in STAGING. Returns inserted, skipped and the
 * refused rows' keys.
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
    ...planned.uniqueChecks.map((key) => uniqueClash(key, target)),
    ...planned.parentChecks.map((fk) => parentMissing(fk, schema)),
  ];
  const problemArray = problems.length > 0 ? `array_remove(ARRAY[${problems.join(",\n            ")}]::text[], NULL)` : `'{}'::text[]`;
  const keyColumns = (hasKey ? primaryKey : planned.columns).map((column) => `c.${quoteIdent(column)}`);
  const columns = planned.columns.map((column) => `c.${quoteIdent(column)}`).join(", ");
  return `WITH classified AS MATERIALIZED (
    SELECT i.*, ${present} AS pdg_present, ${problemArray} AS pdg_problems FROM ${STAGING} i),
  inserted AS (
    ${insertInto(planned)} SELECT ${columns} FROM classified c
     WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) = 0 RETURNING 1)
  SELECT (SELECT count(*) FROM inserted)::int AS inserted,
         (SELECT count(*) FROM classified WHERE pdg_present)::int AS skipped,
         (SELECT json_agg(json_build_object('key', json_build_array(${keyColumns.join(", ")}), 'problems', c.pdg_problems))
            FROM classified c WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) > 0) AS refused`;
}
