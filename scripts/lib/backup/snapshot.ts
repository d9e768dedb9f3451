// One consistent view of the database for a whole backup: a single
// REPEATABLE READ READ ONLY transaction on one connection. The tables are
// locked (ACCESS SHARE, as pg_dump does) before the snapshot is taken, so no
// DROP, TRUNCATE or ALTER can change a table until the backup ends — TRUNCATE
// is not MVCC-safe and would otherwise show a snapshot an empty table.
import pg from "pg";
import { to as copyTo, type CopyToStreamQuery } from "pg-copy-streams";
import type { DatabaseTarget } from "../config.ts";
import { poolConfigFromUrl, qualifiedName, quoteIdent } from "../db.ts";
import { OperationError, UsageError } from "../errors.ts";
import { readMigrationState, type MigrationState } from "../migrations-state.ts";
import { prismaModelsByTable } from "../prisma-client.ts";
import { discoverTables, foreignKeyOrder, schemaFromUrl, type TableInfo } from "../tables.ts";

export interface TableSelection {
  tables?: string[];
  excludeTables?: string[];
}

export interface Snapshot {
  schema: string;
  serverVersion: string;
  /** The selected tables, parents before children (foreign-key order). */
  tables: TableInfo[];
  migrations: MigrationState;
  /** Streams `columns` of a table as COPY text: PostgreSQL's own text for every value (see copy-to-json.ts). */
  copyTable(table: TableInfo, columns: string[]): CopyToStreamQuery;
  /** Ends the transaction and the connection. */
  close(): Promise<void>;
  /** Drops the connection at once (interruption, failure mid-COPY). */
  destroy(): void;
}

/** Applies --tables / --exclude-tables; unknown names are a usage error listing what exists. */
export function selectTables(all: TableInfo[], selection: TableSelection): TableInfo[] {
  const names = new Set(all.map((table) => table.name));
  const unknown = [...(selection.tables ?? []), ...(selection.excludeTables ?? [])].filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `no table named ${unknown.map((name) => `"${name}"`).join(", ")} in the database; tables: ${[...names].join(", ")}`,
    );
  }
  const include = selection.tables && selection.tables.length > 0 ? new Set(selection.tables) : null;
  const exclude = new Set(selection.excludeTables ?? []);
  const chosen = all.filter((table) => (!include || include.has(table.name)) && !exclude.has(table.name));
  if (chosen.length === 0) throw new UsageError("the table selection is empty: nothing to back up");
  const order = foreignKeyOrder(chosen).order;
  return order.map((name) => chosen.find((table) => table.name === name)!);
}

export async function openSnapshot(
  target: DatabaseTarget,
  selection: TableSelection,
  options: { migrationsDir?: string; signal?: AbortSignal } = {},
): Promise<Snapshot> {
  const schema = schemaFromUrl(target.url);
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
    const models = await prismaModelsByTable();
    const serverVersion = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
    const planned = selectTables(await discoverTables(client, schema, models), selection);

    // LOCK before any query that reads data: the snapshot is taken by the first
    // such query, so it sees the tables exactly as locked.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // A long backup must not be cut off by the server's or role's timeouts, and the
    // text of floats, intervals, bytea and timestamps must not depend on them either.
    await client.query(`SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0;
      SET LOCAL extra_float_digits = 3; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL bytea_output = 'hex';
      SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL TimeZone = 'UTC'`);
    try {
      await client.query(`LOCK TABLE ${planned.map((t) => qualifiedName(schema, t.name)).join(", ")} IN ACCESS SHARE MODE`);
    } catch (error) {
      if ((error as { code?: string }).code === "42P01") {
        throw new OperationError(
          `a table was dropped while the backup was starting (${(error as Error).message}); run the backup again`,
        );
      }
      throw error;
    }
    const inSnapshot = await discoverTables(client, schema, models);
    const tables = selectTables(inSnapshot, selection);
    const changed = tables.map((t) => t.name).join() !== planned.map((t) => t.name).join();
    if (changed) {
      throw new OperationError(
        `the table list changed while the backup was starting (now: ${tables.map((t) => t.name).join(", ")}); run the backup again`,
      );
    }
    const migrations = await readMigrationState(client, options.migrationsDir, schema);

    return {
      schema,
      serverVersion,
      tables,
      migrations,
      copyTable: (table, columns) =>
        client.query(copyTo(`COPY ${qualifiedName(schema, table.name)} (${columns.map(quoteIdent).join(", ")}) TO STDOUT`)),
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
