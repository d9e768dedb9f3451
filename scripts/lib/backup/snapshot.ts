// One consistent view of the database for a whole backup: a single
// REPEATABLE READ READ ONLY transaction on one connection. The tables are
// locked (ACCESS SHARE, as pg_dump does) before the snapshot is taken, so no
// DROP, TRUNCATE or ALTER can change a table until the backup ends — TRUNCATE
// is not MVCC-safe and would otherwise show a snapshot an empty table.
// Sequences are not transactional: their state is read right after the
// snapshot is taken, so it is at or past every value the snapshot's rows use.
import pg from "pg";
import { to as copyTo, type CopyToStreamQuery } from "pg-copy-streams";
import { copyOut, type CopyOut, type CopyRowSink } from "./copy-out.ts";
import type { DatabaseTarget } from "../config.ts";
import { poolConfigFromUrl, quoteIdent } from "../db.ts";
import { OperationError, UsageError } from "../errors.ts";
import { migrationsTable, readMigrationState, type MigrationState } from "../migrations-state.ts";
import { prismaModelsByTable } from "../prisma-client.ts";
import { discoverSequences, readSequenceStates, type SequenceInfo, type SequenceState } from "../sequences.ts";
import { discoverTables, foreignKeyOrder, schemaFromUrl, tableKey, tableLabel, tableRelation, type TableInfo } from "../tables.ts";

export interface TableSelection {
  /** The schemas to cover; the first is the primary one (bare names in --tables point there). */
  schemas: string[];
  tables?: string[];
  excludeTables?: string[];
}

export interface Snapshot {
  schemas: string[];
  serverVersion: string;
  /** The selected tables, parents before children (foreign-key order). */
  tables: TableInfo[];
  /** Every sequence of the schemas, with its state at the snapshot. */
  sequences: (SequenceInfo & SequenceState)[];
  migrations: MigrationState;
  /** Qualified name of _prisma_migrations, or null when the database has none. */
  migrationsTable: string | null;
  /** Streams `columns` of a table as COPY text: PostgreSQL's own text for every value (see copy-to-json.ts). */
  copyTable(table: TableInfo, columns: string[]): CopyToStreamQuery;
  /** The same rows, read straight off the socket into `sink` (the backup's fast path). */
  copyRows(table: TableInfo, columns: string[], sink: CopyRowSink): CopyOut;
  /** Exports the transaction's snapshot for other connections (SET TRANSACTION SNAPSHOT), as pg_dump -j does. */
  exportSnapshot(): Promise<string>;
  /** The heap size of each table in blocks (0 for a partitioned table, whose rows are in its partitions). */
  relationBlocks(tables: TableInfo[]): Promise<number[]>;
  /** Ends the transaction and the connection. */
  close(): Promise<void>;
  /** Drops the connection at once (interruption, failure mid-COPY). */
  destroy(): void;
}

/**
 * Applies --tables / --exclude-tables (names bare for the primary schema, or
 * schema.table); unknown names are a usage error listing what exists.
 */
export function selectTables(all: TableInfo[], selection: TableSelection): TableInfo[] {
  const primary = selection.schemas[0]!;
  const byLabel = new Map(all.map((table) => [tableLabel(table, primary), table]));
  const pick = (names: string[]) =>
    names.map((name) => {
      const table = byLabel.get(name) ?? all.find((t) => `${t.schema}.${t.name}` === name);
      if (!table) {
        throw new UsageError(`no table named "${name}" in the database; tables: ${[...byLabel.keys()].join(", ")}`);
      }
      return tableKey(table);
    });
  const include = selection.tables && selection.tables.length > 0 ? new Set(pick(selection.tables)) : null;
  const exclude = new Set(pick(selection.excludeTables ?? []));
  const chosen = all.filter((table) => (!include || include.has(tableKey(table))) && !exclude.has(tableKey(table)));
  if (chosen.length === 0) throw new UsageError("the table selection is empty: nothing to back up");
  return foreignKeyOrder(chosen).order;
}

/**
 * Every connection of a backup runs in these (one transaction's SET LOCALs).
 * A long backup must not be cut off by the server's or role's timeouts; the
 * text of floats, intervals, bytea and timestamps must not depend on them
 * either; and a table's rows come in its physical order, block by block from
 * the first — a synchronized scan could start mid-table, and the file's order
 * is what makes a set read over `--jobs N` connections (in ctid ranges)
 * identical to a set read over one.
 */
export const SESSION_SETTINGS = `SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0;
  SET LOCAL extra_float_digits = 3; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex';
  SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL TimeZone = 'UTC'; SET LOCAL synchronize_seqscans = off`;

/** A range of a table's heap blocks, [from, to); `to` null: to the end. */
export interface BlockRange {
  from: number;
  to: number | null;
}

/**
 * The statement that streams a table: a partitioned table is read through
 * itself, with every partition's rows; a block range of a plain table with a
 * TID range scan (PostgreSQL 14+), in the order a whole-table scan reads it.
 */
export function copyStatement(table: TableInfo, columns: string[], range?: BlockRange): string {
  const list = columns.map(quoteIdent).join(", ");
  if (range) {
    const bounds = [`ctid >= '(${range.from},0)'::tid`, ...(range.to === null ? [] : [`ctid < '(${range.to},0)'::tid`])];
    return `COPY (SELECT ${list} FROM ${tableRelation(table)} WHERE ${bounds.join(" AND ")}) TO STDOUT`;
  }
  return table.partitioned
    ? `COPY (SELECT ${list} FROM ${tableRelation(table)}) TO STDOUT`
    : `COPY ${tableKey(table)} (${list}) TO STDOUT`;
}

export async function openSnapshot(
  target: DatabaseTarget,
  selection: TableSelection,
  options: { migrationsDir?: string; signal?: AbortSignal } = {},
): Promise<Snapshot> {
  const client = new pg.Client({
    ...poolConfigFromUrl(target.url),
    application_name: "prisma-data-guard backup",
    connectionTimeoutMillis: 15_000,
  });
  // A connection dropped mid-backup surfaces through the running query; this keeps it from crashing the process.
  client.on("error", () => {});
  const destroy = () => client.connection.stream.destroy();
  // Interrupted while connecting or waiting for a lock: drop the connection, which fails the pending query.
  options.signal?.addEventListener("abort", destroy, { once: true });
  try {
    await client.connect();
    const { schemas } = selection;
    const existing = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY ($1::text[])`, [schemas]);
    const missing = schemas.filter((schema) => !existing.rows.some((row) => row.name === schema));
    if (missing.length > 0) throw new UsageError(`no schema named ${missing.map((s) => `"${s}"`).join(", ")} in the database; check --schemas`);
    const models = await prismaModelsByTable();
    const serverVersion = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
    const planned = selectTables(await discoverTables(client, schemas, models), selection);

    // LOCK before any query that reads data: the snapshot is taken by the first
    // such query, so it sees the tables exactly as locked.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // A long backup must not be cut off by the server's or role's timeouts, and the
    // text of floats, intervals, bytea and timestamps must not depend on them either.
    await client.query(SESSION_SETTINGS);
    try {
      // ONLY: an inheritance parent is read alone, so its children need no lock; a partitioned table locks its partitions.
      await client.query(`LOCK TABLE ${planned.map(tableRelation).join(", ")} IN ACCESS SHARE MODE`);
    } catch (error) {
      if ((error as { code?: string }).code === "42P01") {
        throw new OperationError(
          `a table was dropped while the backup was starting (${(error as Error).message}); run the backup again`,
        );
      }
      throw error;
    }
    const inSnapshot = await discoverTables(client, schemas, models);
    const tables = selectTables(inSnapshot, selection);
    const changed = tables.map(tableKey).join() !== planned.map(tableKey).join();
    if (changed) {
      throw new OperationError(
        `the table list changed while the backup was starting (now: ${tables.map((t) => tableLabel(t, schemas[0]!)).join(", ")}); run the backup again`,
      );
    }
    const sequences = await discoverSequences(client, schemas);
    const states = await readSequenceStates(client, sequences).catch((error: unknown) => {
      if ((error as { code?: string }).code !== "42501") throw error;
      throw new OperationError(
        `cannot read the sequences' state (${(error as Error).message}); grant the backup's role SELECT on them ` +
          `(GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${schemas.map(quoteIdent).join(", ")} TO <role>) and run the backup again`,
      );
    });
    // Prisma keeps its history in the URL's schema.
    const migrationsSchema = schemaFromUrl(target.url);
    const migrations = await readMigrationState(client, options.migrationsDir, migrationsSchema);

    return {
      schemas,
      serverVersion,
      tables,
      sequences: sequences.map((sequence, i) => ({ ...sequence, ...states[i]! })),
      migrations,
      migrationsTable: await migrationsTable(client, migrationsSchema),
      copyTable: (table, columns) => client.query(copyTo(copyStatement(table, columns))),
      copyRows: (table, columns, sink) => copyOut(client, copyStatement(table, columns), sink),
      exportSnapshot: async () => (await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id")).rows[0]!.id,
      async relationBlocks(list) {
        const { rows } = await client.query<{ blocks: string }>(
          `SELECT pg_relation_size(to_regclass(name)) / current_setting('block_size')::bigint AS blocks FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY n`,
          [list.map(tableKey)],
        );
        return rows.map((row) => Number(row.blocks));
      },
      async close() {
        try {
          await client.query("COMMIT");
        } finally {
          await client.end();
        }
      },
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", destroy);
  }
}
