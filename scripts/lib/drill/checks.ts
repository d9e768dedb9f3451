// What a drill checks in the restored database, each independently of how
// the restore did its work: the rows (counted and digested from a COPY of
// every restored table, in the backup's own session settings, against the
// summary's counts and row digests), every foreign key (an anti-join per key,
// as PostgreSQL's own validation does), every unique index (valid and ready:
// PostgreSQL's proof that no two rows clash) and every sequence's state.
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { entryLabel, summarySchemas, type BackupSummary, type BackupTableEntry } from "../backup/index.ts";
import { copyLinesInto, createRowDigest } from "../backup/row-digest.ts";
import { openSnapshot } from "../backup/snapshot.ts";
import type { DatabaseTarget } from "../config.ts";
import { qualifiedName, quoteIdent } from "../db.ts";
import { sequencesToRestore } from "../restore/sequences.ts";
import { readSequenceStates } from "../sequences.ts";
import { tableKey, type TableRef } from "../tables.ts";

export interface TableRowsCheck {
  table: string;
  /** Rows in the summary. */
  backupRows: number;
  /** Rows COPY read back from the restored table. */
  restoredRows: number;
  /** "matched", "differs", or "not recorded" (a set written before row digests). */
  digest: "matched" | "differs" | "not recorded";
  ok: boolean;
}

/** Counts and digests every restored table's rows, read in one snapshot with the backup's session settings. */
export async function checkRows(
  target: DatabaseTarget,
  summary: BackupSummary,
  entries: BackupTableEntry[],
  onTable: (check: TableRowsCheck) => void = () => {},
): Promise<TableRowsCheck[]> {
  if (entries.length === 0) return [];
  const snapshot = await openSnapshot(target, { schemas: summarySchemas(summary), tables: entries.map((entry) => `${entry.schema}.${entry.name}`) });
  try {
    const byKey = new Map(snapshot.tables.map((table) => [tableKey(table), table]));
    const checks: TableRowsCheck[] = [];
    for (const entry of entries) {
      const digest = await createRowDigest();
      const copy = snapshot.copyTable(byKey.get(tableKey(entry))!, entry.columns.map((column) => column.name));
      await pipeline(copy, copyLinesInto(digest));
      const matched = entry.rowDigest === undefined ? "not recorded" : entry.rowDigest === digest.value() ? "matched" : "differs";
      const check: TableRowsCheck = {
        table: entryLabel(summary, entry),
        backupRows: entry.rows,
        restoredRows: digest.rows,
        digest: matched,
        ok: digest.rows === entry.rows && matched !== "differs",
      };
      checks.push(check);
      onTable(check);
    }
    await snapshot.close();
    return checks;
  } catch (error) {
    snapshot.destroy();
    throw error;
  }
}

interface ForeignKeyRow {
  name: string;
  child: string;
  parent: string;
  childPartitioned: boolean;
  parentPartitioned: boolean;
  matchFull: boolean;
  columns: string[];
  referenced: string[];
}

/** Every foreign key of the schemas; one sentence per key that some row breaks. */
export async function checkForeignKeys(db: pg.Pool, schemas: string[]): Promise<{ checked: number; problems: string[] }> {
  // Partitions carry clones of their partitioned table's keys (conparentid): the parent's check covers them.
  const keys = await db.query<ForeignKeyRow>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
            cr.relkind = 'p' AS "childPartitioned", pr.relkind = 'p' AS "parentPartitioned", c.confmatchtype = 'f' AS "matchFull",
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS referenced
       FROM pg_constraint c JOIN pg_class cr ON cr.oid = c.conrelid JOIN pg_namespace n ON n.oid = cr.relnamespace
       JOIN pg_class pr ON pr.oid = c.confrelid
      WHERE c.contype = 'f' AND c.conparentid = 0 AND n.nspname = ANY ($1::text[])
      ORDER BY 2, 1`,
    [schemas],
  );
  const problems: string[] = [];
  for (const key of keys.rows) {
    const child = (column: string) => `c.${quoteIdent(column)}`;
    const matches = key.columns.map((column, i) => `p.${quoteIdent(key.referenced[i]!)} = ${child(column)}`).join(" AND ");
    const orphan = `NOT EXISTS (SELECT 1 FROM ${key.parentPartitioned ? "" : "ONLY "}${key.parent} p WHERE ${matches})`;
    const allSet = key.columns.map((column) => `${child(column)} IS NOT NULL`).join(" AND ");
    // MATCH SIMPLE (the default) checks rows whose key is wholly set; MATCH FULL also refuses a partly NULL key.
    const broken = key.matchFull
      ? `(${key.columns.map((column) => `${child(column)} IS NOT NULL`).join(" OR ")}) AND (NOT (${allSet}) OR ${orphan})`
      : `${allSet} AND ${orphan}`;
    const result = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${key.childPartitioned ? "" : "ONLY "}${key.child} c WHERE ${broken}`,
    );
    const count = Number(result.rows[0]!.n);
    if (count > 0) problems.push(`foreign key ${key.name} of ${key.child}: ${count} row(s) reference no row of ${key.parent}`);
  }
  return { checked: keys.rows.length, problems };
}

/** Every unique index of the schemas must be valid and ready (a failed or unfinished build enforces nothing). */
export async function checkUniqueIndexes(db: pg.Pool, schemas: string[]): Promise<{ checked: number; problems: string[] }> {
  const indexes = await db.query<{ index: string; table: string; ok: boolean }>(
    `SELECT x.indexrelid::regclass::text AS index, x.indrelid::regclass::text AS table, x.indisvalid AND x.indisready AND x.indislive AS ok
       FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE x.indisunique AND n.nspname = ANY ($1::text[])
      ORDER BY 1`,
    [schemas],
  );
  const problems = indexes.rows.filter((row) => !row.ok).map((row) => `unique index ${row.index} on ${row.table} is not valid: it does not enforce uniqueness`);
  return { checked: indexes.rows.length, problems };
}

/**
 * The sequences the restore of `restored` sets (restore/sequences.ts's rule)
 * must be at their backed-up state. null for a set that recorded none (format 1).
 */
export async function checkSequences(
  db: pg.Pool,
  summary: BackupSummary,
  restored: TableRef[],
  wholeSet: boolean,
): Promise<{ checked: number; problems: string[] } | null> {
  if (!summary.sequences) return null;
  const expected = sequencesToRestore(summary.sequences, restored, wholeSet);
  const present = await db.query<{ name: string }>(
    `SELECT name FROM unnest($1::text[]) AS name WHERE (SELECT relkind FROM pg_class WHERE oid = to_regclass(name)) = 'S'`,
    [expected.map((sequence) => qualifiedName(sequence.schema, sequence.name))],
  );
  const exists = new Set(present.rows.map((row) => row.name));
  const found = expected.filter((sequence) => exists.has(qualifiedName(sequence.schema, sequence.name)));
  const states = await readSequenceStates(db, found);
  const problems = expected
    .filter((sequence) => !exists.has(qualifiedName(sequence.schema, sequence.name)))
    .map((sequence) => `sequence ${sequence.schema}.${sequence.name} is in the set but not in the restored database`);
  found.forEach((sequence, i) => {
    const state = states[i]!;
    if (state.lastValue !== sequence.lastValue || state.isCalled !== sequence.isCalled) {
      problems.push(
        `sequence ${sequence.schema}.${sequence.name} is at ${state.lastValue}${state.isCalled ? "" : " (not called)"}, ` +
          `the backup recorded ${sequence.lastValue}${sequence.isCalled ? "" : " (not called)"}`,
      );
    }
  });
  return { checked: expected.length, problems };
}
