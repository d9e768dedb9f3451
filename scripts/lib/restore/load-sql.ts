// The statements that load a table. Rows arrive as COPY text (the backup
// library's JsonRowsToCopyText), so every value goes through its type's input
// function and comes back exactly as it was dumped — or, for a table of the
// types JsonRowsToCopyBinary writes exactly, in COPY's binary format. A checked load copies a
// batch into STAGING, a temporary table with the planned columns' types, and
// classifies it there. Every relation is schema-qualified and read with ONLY
// (tableRelation), so an inheritance parent's statements never see its
// children's rows; a partitioned table is read with its partitions.
import { quoteIdent } from "../db.ts";
import { tableKey, tableRelation, type ForeignKey } from "../tables.ts";
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

/** COPY of the planned columns into the table itself (a partitioned table routes each row to its partition), or into STAGING. */
export function copyIntoSql(planned: PlannedTable, options: { staging?: boolean } = {}): string {
  const target = options.staging ? STAGING : tableKey(planned.table);
  // COPY writes identity columns' given values as INSERT … OVERRIDING SYSTEM VALUE would: the backup's values win.
  return `COPY ${target} (${columnList(planned)}) FROM STDIN${planned.binaryTypes ? " (FORMAT binary)" : ""}`;
}

/** STAGING with the planned columns' types and nothing else (no constraints, defaults or indexes). */
export function createStagingSql(planned: PlannedTable): string {
  return `CREATE TEMP TABLE pdg_restore_incoming ON COMMIT DROP AS
    SELECT ${columnList(planned)} FROM ${tableRelation(planned.table)} WITH NO DATA`;
}

function insertInto(planned: PlannedTable): string {
  // Identity ALWAYS columns refuse explicit values without it; the backup's values must win.
  const overriding = planned.table.columns.some((column) => column.identity === "a") ? " OVERRIDING SYSTEM VALUE" : "";
  return `INSERT INTO ${tableKey(planned.table)} (${columnList(planned)})${overriding}`;
}

function matches(left: string, right: string, columns: string[], referenced = columns): string {
  return columns.map((column, i) => `${left}.${quoteIdent(referenced[i]!)} = ${right}.${quoteIdent(column)}`).join(" AND ");
}

function parentMissing(fk: ForeignKey): string {
  // MATCH SIMPLE: a key with any NULL column references nothing and is not checked.
  const allSet = fk.columns.map((column) => `i.${quoteIdent(column)} IS NOT NULL`).join(" AND ");
  const parent = tableRelation({ schema: fk.referencedSchema, name: fk.referencedTable, partitioned: fk.referencedPartitioned });
  return `CASE WHEN ${allSet} AND NOT EXISTS (SELECT 1 FROM ${parent} p
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

/** A row's loaded columns as one text: two rows are the same row when these are equal. */
function wholeRow(alias: string, planned: PlannedTable): string {
  return `ROW(${planned.columns.map((column) => `${alias}.${quoteIdent(column)}`).join(", ")})::text`;
}

/**
 * Classifying load: each row is skipped (present already), refused (clashes
 * on a unique key, or its parent row is missing) or inserted, in one
 * statement over the batch in STAGING. Present means: its primary key is
 * there — or, for a table without one (matchWholeRows, the whole file in one
 * batch), an identical row is, counted as a multiset: the n-th copy of a row
 * in the backup is present when the table holds at least n copies. Returns
 * inserted, skipped and the refused rows' keys.
 */
export function checkedInsertSql(planned: PlannedTable): string {
  const target = tableRelation(planned.table);
  const { primaryKey } = planned.table;
  const incoming = planned.matchWholeRows
    ? `(SELECT s.*, row_number() OVER (PARTITION BY ${wholeRow("s", planned)}) AS pdg_copy FROM ${STAGING} s) i
       LEFT JOIN (SELECT ${wholeRow("t", planned)} AS pdg_row, count(*) AS pdg_copies FROM ${target} t GROUP BY 1) e
         ON e.pdg_row = ${wholeRow("i", planned)}`
    : `${STAGING} i`;
  const present = !planned.skipExisting
    ? "false"
    : planned.matchWholeRows
      ? "i.pdg_copy <= coalesce(e.pdg_copies, 0)"
      : `EXISTS (SELECT 1 FROM ${target} t WHERE ${matches("t", "i", primaryKey)})`;
  const problems = [...planned.uniqueChecks.map((key) => uniqueClash(key, target)), ...planned.parentChecks.map(parentMissing)];
  const problemArray = problems.length > 0 ? `array_remove(ARRAY[${problems.join(",\n            ")}]::text[], NULL)` : `'{}'::text[]`;
  const keyed = primaryKey.length > 0 && primaryKey.every((column) => planned.columns.includes(column));
  const keyColumns = (keyed ? primaryKey : planned.columns).map((column) => `c.${quoteIdent(column)}`);
  const columns = planned.columns.map((column) => `c.${quoteIdent(column)}`).join(", ");
  return `WITH classified AS MATERIALIZED (
    SELECT i.*, ${present} AS pdg_present, ${problemArray} AS pdg_problems FROM ${incoming}),
  inserted AS (
    ${insertInto(planned)} SELECT ${columns} FROM classified c
     WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) = 0 RETURNING 1)
  SELECT (SELECT count(*) FROM inserted)::int AS inserted,
         (SELECT count(*) FROM classified WHERE pdg_present)::int AS skipped,
         (SELECT json_agg(json_build_object('key', json_build_array(${keyColumns.join(", ")}), 'problems', c.pdg_problems))
            FROM classified c WHERE NOT c.pdg_present AND cardinality(c.pdg_problems) > 0) AS refused`;
}

