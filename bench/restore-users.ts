// `pnpm bench:restore-users [--rows N] [--existing N] [--memory-rows N] [--server URL]`:
// a synthetic Privy export of --rows users imported into a database that already
// holds --existing users, then re-run (every row exists), then --memory-rows users
// for peak memory. Each run is the real CLI in a child process, measured by
// bench/lib/measure.ts (wall time, peak RSS, CPU time).
// References measured in the same run: psql \copy of the same file into a plain
// staging table (the cost of just loading the bytes), and Prisma createMany
// (skipDuplicates) of the same users, against the import's insert phase.
// Runs on the machine's PostgreSQL by default (psql needs a server of its version).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { positiveInteger, scriptArgs } from "../scripts/lib/cli.ts";
import { parseDatabaseUrl } from "../scripts/lib/config.ts";
import { createPool } from "../scripts/lib/db.ts";
import { OperationError } from "../scripts/lib/errors.ts";
import { databaseUrl, dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { createPrisma } from "../scripts/lib/prisma-client.ts";
import { PRIVY_COLUMNS } from "../scripts/lib/privy/export-format.ts";
import type { RestoreSummary } from "../scripts/lib/privy/import.ts";
import { writeSyntheticExport } from "../scripts/lib/privy/synthetic-export.ts";
import { seedDatabase } from "../scripts/lib/seed.ts";
import { defineBenchmark, runBenchmark } from "./lib/harness.ts";
import { measureProcess } from "./lib/measure.ts";

const program = defineBenchmark("bench:restore-users", "Benchmark db:restore-users against psql \\copy and Prisma createMany.", { server: true })
  .option("--rows <n>", "users in the export", positiveInteger("--rows"), 100_000)
  .option("--existing <n>", "users already in the database", positiveInteger("--existing"), 100_000)
  .option("--memory-rows <n>", "users in the peak-memory run (0 skips it)", (value: string) => Number(value), 1_000_000);

let adminUrl = "";
const urlFor = (database: string) => databaseUrl(adminUrl, database);

async function createSeededDatabase(name: string, existing: number): Promise<pg.Pool> {
  const pool = createPool(parseDatabaseUrl(await recreateMigratedDatabase(adminUrl, name)));
  await seedDatabase(pool, { users: existing, perUser: 0 });
  await pool.query("VACUUM ANALYZE");
  return pool;
}

interface ChildRun {
  seconds: number;
  peakRssMb: number;
  summary: RestoreSummary;
}

/** The CLI as a user runs it, in its own process. */
async function restoreCli(database: string, file: string): Promise<ChildRun> {
  const run = await measureProcess(process.execPath, scriptArgs("db-restore-users", [file, "--json"]), {
    env: { ...process.env, DATABASE_URL: urlFor(database) },
    captureStdout: true,
  });
  return { seconds: run.seconds, peakRssMb: run.peakRssMb, summary: JSON.parse(run.stdout) as RestoreSummary };
}

/** psql \copy of the same export into a plain 26-text-column table: loading the bytes, nothing else. */
async function psqlCopySeconds(pool: pg.Pool, database: string, file: string): Promise<number> {
  await pool.query(`DROP TABLE IF EXISTS bench_copy_reference`);
  await pool.query(`CREATE TABLE bench_copy_reference (${PRIVY_COLUMNS.map((_, i) => `c${i + 1} text`).join(", ")})`);
  const { seconds } = await measureProcess("psql", [urlFor(database), "-v", "ON_ERROR_STOP=1", "-c",
    `\\copy bench_copy_reference FROM '${file}' WITH (FORMAT csv, DELIMITER E'\\t', HEADER true)`]);
  await pool.query(`DROP TABLE bench_copy_reference`);
  return seconds;
}

/**
 * Prisma createMany (skipDuplicates) in one transaction of the users the import inserted, 4,000 rows a call:
 * each call is then one INSERT (8 × 4,000 bind parameters, under PostgreSQL's 32,767). A larger call is split
 * into several INSERTs that Prisma runs concurrently on the transaction's connection, which made pg print
 * "Calling client.query() when the client is already executing a query" (@prisma/adapter-pg 6.19.3, upstream).
 */
const CREATE_MANY_ROWS = 4_000;

async function createManySeconds(source: pg.Pool, database: string): Promise<number> {
  const rows = await source.query(
    `SELECT "privyDid", "createdAt", "updatedAt", username, email, "solanaWalletAddress", "embeddedWalletAddress", "referralCode"
       FROM "User" WHERE "privyDid" LIKE 'did:privy:cb%'`,
  );
  const prisma = await createPrisma(parseDatabaseUrl(urlFor(database)));
  try {
    const started = performance.now();
    await prisma.$transaction(
      async (tx) => {
        for (let at = 0; at < rows.rows.length; at += CREATE_MANY_ROWS) {
          await tx.user.createMany({ data: rows.rows.slice(at, at + CREATE_MANY_ROWS), skipDuplicates: true });
        }
      },
      { timeout: 600_000 },
    );
    return (performance.now() - started) / 1000;
  } finally {
    await prisma.$disconnect();
  }
}

const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString("en-US")} rows/s`;

await runBenchmark<{ server: string; rows: number; existing: number; memoryRows: number }>(program, async (options) => {
  adminUrl = options.server;
  const workDir = mkdtempSync(path.join(os.tmpdir(), "privy-bench-"));
  const main = `privy_bench_${process.pid}`;
  const createManyDb = `privy_bench_${process.pid}_createmany`;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    say(`${options.rows.toLocaleString("en-US")} rows into ${options.existing.toLocaleString("en-US")} existing users`);
    const file = path.join(workDir, "export.tsv");
    await writeSyntheticExport(file, options.rows, 1, "cb");
    const pool = await createSeededDatabase(main, options.existing);
    try {
      const copy = await psqlCopySeconds(pool, main, file);
      const first = await restoreCli(main, file);
      if (first.summary.imported !== options.rows) throw new OperationError(`expected ${options.rows} imported, got ${first.summary.imported}`);
      const again = await restoreCli(main, file);
      if (again.summary.existing !== options.rows) throw new OperationError(`re-run: expected ${options.rows} existing, got ${again.summary.existing}`);

      const other = await createSeededDatabase(createManyDb, options.existing);
      const createMany = await createManySeconds(pool, createManyDb).finally(() => other.end());
      const insertSeconds = first.summary.phasesMs.insert / 1000;

      say(`psql \\copy into a staging table (reference)   ${copy.toFixed(2)} s  ${rate(options.rows, copy)}`);
      say(`import (new users)      command ${first.summary.durationMs / 1000} s  ${rate(options.rows, first.summary.durationMs / 1000)}` +
        `  process wall ${first.seconds.toFixed(2)} s  peak RSS ${first.peakRssMb.toFixed(0)} MB  ${(first.summary.durationMs / 1000 / copy).toFixed(1)}× psql \\copy`);
      say(`  phases (ms) ${JSON.stringify(first.summary.phasesMs)}`);
      say(`re-run (all existing)   command ${again.summary.durationMs / 1000} s  ${rate(options.rows, again.summary.durationMs / 1000)}` +
        `  process wall ${again.seconds.toFixed(2)} s  peak RSS ${again.peakRssMb.toFixed(0)} MB  ${(again.summary.durationMs / 1000 / copy).toFixed(1)}× psql \\copy`);
      say(`insert phase: one INSERT … SELECT ${insertSeconds.toFixed(2)} s vs Prisma createMany(skipDuplicates) ${createMany.toFixed(2)} s` +
        ` (${(createMany / insertSeconds).toFixed(1)}× faster)`);

      if (options.memoryRows > 0) {
        const big = path.join(workDir, "export-big.tsv");
        await writeSyntheticExport(big, options.memoryRows, 1, "cm9");
        const bigCopy = await psqlCopySeconds(pool, main, big);
        const large = await restoreCli(main, big);
        say(`memory run: ${options.memoryRows.toLocaleString("en-US")} rows  command ${large.summary.durationMs / 1000} s` +
          `  ${rate(options.memoryRows, large.summary.durationMs / 1000)}  peak RSS ${large.peakRssMb.toFixed(0)} MB` +
          `  (psql \\copy ${bigCopy.toFixed(2)} s, ${(large.summary.durationMs / 1000 / bigCopy).toFixed(1)}×)`);
      }
    } finally {
      await pool.end();
    }
  } finally {
    await dropDatabase(adminUrl, main).catch(() => {});
    await dropDatabase(adminUrl, createManyDb).catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
});
