// `pnpm bench:restore [--sizes 100000,1000000] [--rounds 3] [--server URL]`:
// for each size, seeds N users plus related rows into a source database, backs
// it up with db:backup's library and dumps it twice with pg_dump, then loads
// the same data into a fresh database per run, in alternating rounds:
//   ours:       db:restore --from <summary> into an empty migrated database
//               (verification included, one transaction)
//   reference:  pg_restore of a custom-format dump (pg_dump -Fc, default
//               compression) into an empty database: schema, data, then
//               indexes and keys, one job, --single-transaction
//   second:     psql --single-transaction -f <pg_dump --data-only> into an
//               empty migrated database, whose indexes and keys are in place
// then, into the last of those databases, db:restore --rows of one user and
// their dependents (deleted before each round) against the full db:restore,
// and prints median wall time, rows/s, peak RSS and CPU time (bench/lib/measure.ts)
// and the ratios. Every load is checked against the source with per-table
// digests computed in SQL. Default server: the machine's PostgreSQL
// (pg_dump, pg_restore and psql must match its version).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createBackup } from "../scripts/lib/backup/index.ts";
import { scriptArgs } from "../scripts/lib/cli.ts";
import { parseDatabaseUrl } from "../scripts/lib/config.ts";
import { quoteIdent } from "../scripts/lib/db.ts";
import { createDatabase, databaseUrl, dropDatabase } from "../scripts/lib/database-admin.ts";
import { OperationError } from "../scripts/lib/errors.ts";
import { discoverTables } from "../scripts/lib/tables.ts";
import { alternateRounds, defineBenchmark, median, runBenchmark, type BenchmarkOptions } from "./lib/harness.ts";
import { measureProcess, type ProcessMeasurement } from "./lib/measure.ts";
import { seededSource } from "./lib/seeded-database.ts";

/** Per table: rows and an order-independent-of-storage digest (md5 of each row's md5, in primary-key order). */
async function digests(url: string): Promise<Record<string, string>> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const out: Record<string, string> = {};
    for (const table of await discoverTables(pool)) {
      if (table.name === "_prisma_migrations") continue;
      const order = table.primaryKey.map((c) => `t.${quoteIdent(c)}`).join(", ");
      const result = await pool.query<{ d: string }>(
        `SELECT count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY ${order})), '') AS d FROM ${quoteIdent(table.name)} t`,
      );
      out[table.name] = result.rows[0]!.d;
    }
    return out;
  } finally {
    await pool.end();
  }
}

/**
 * db:restore --rows of one user with their dependents (follows both ways,
 * comments and the likes on them, points, achievement, daily logs, the
 * referral links --relink puts back), deleted by a cascade before each round,
 * against the full restore of the same set. `url` holds the source's data;
 * it is checked to hold it again at the end.
 */
async function timeRowRecovery(url: string, summaryPath: string, users: number, rounds: number, expected: Record<string, string>, fullSeconds: number): Promise<string> {
  const victim = `did:privy:cm${Math.floor(users / 3).toString(16).padStart(23, "0")}`;
  const runs: ProcessMeasurement[] = [];
  for (let round = 0; round < rounds; round++) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [victim]);
    } finally {
      await pool.end();
    }
    const args = ["--from", summaryPath, "--rows", `User:privyDid=${victim}`, "--relink"];
    runs.push(await measureProcess(process.execPath, scriptArgs("db-restore", args), { env: { ...process.env, DATABASE_URL: url } }));
  }
  if (JSON.stringify(await digests(url)) !== JSON.stringify(expected)) throw new OperationError(`db:restore --rows did not put the database back as the source was`);
  const wall = median(runs.map((r) => r.seconds));
  const share = wall / fullSeconds;
  process.stdout.write(
    `  ${ROWS.padEnd(30)} ${wall.toFixed(2).padStart(7)} ${"".padStart(10)} ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0).padStart(12)} ` +
      `${median(runs.map((r) => r.cpuSeconds)).toFixed(2).padStart(6)}\n`,
  );
  return `db:restore --rows (one user) / full db:restore ${(share * 100).toFixed(1)}% (target < 15%, ${share < 0.15 ? "meets" : "MISSES"} it)`;
}

const program = defineBenchmark("bench:restore", "Time db:restore against pg_restore and psql loading the same data.", {
  server: true,
  rounds: 3,
  sizes: [100_000, 1_000_000],
});

const OURS = "db:restore (verify + load)";
const PG_RESTORE = "pg_restore -Fc, 1 job";
const PSQL = "psql -f pg_dump --data-only";
const ROWS = "db:restore --rows, one user";

await runBenchmark<BenchmarkOptions>(program, async ({ server, rounds, sizes }) => {
  const summary: string[] = [];
  for (const users of sizes) {
    const prefix = `restore_bench_${users}_${process.pid}`;
    const names = { template: `${prefix}_tpl`, source: `${prefix}_src`, target: `${prefix}_target` };
    const urlFor = (database: string) => databaseUrl(server, database);
    const work = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-restore-"));
    try {
      process.stdout.write(`\n${users.toLocaleString("en-US")} users\n`);
      const { rows } = await seededSource(server, names, users);
      const expected = await digests(urlFor(names.source));

      const { summaryPath, summary: set } = await createBackup({ target: parseDatabaseUrl(urlFor(names.source)), outDir: path.join(work, "backup"), kind: "manual" });
      const plainDump = path.join(work, "data.sql");
      const customDump = path.join(work, "dump.custom");
      await measureProcess("pg_dump", ["--data-only", "--exclude-table-data=_prisma_migrations", "-f", plainDump, "-d", urlFor(names.source)]);
      await measureProcess("pg_dump", ["-Fc", "-f", customDump, "-d", urlFor(names.source)]);
      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      process.stdout.write(
        `  ${rows.toLocaleString("en-US")} rows; backup set ${mb(set.tables.reduce((sum, t) => sum + t.bytes, 0))} MB, ` +
          `pg_dump --data-only ${mb(statSync(plainDump).size)} MB, pg_dump -Fc ${mb(statSync(customDump).size)} MB\n`,
      );

      /** A fresh target database (a migrated copy, or empty), the timed load into it, then its data checked against the source. */
      const loadInto = (template: string, load: (url: string) => Promise<ProcessMeasurement>, label: string) => async () => {
        await dropDatabase(server, names.target);
        const url = await createDatabase(server, names.target, template);
        const measured = await load(url);
        if (JSON.stringify(await digests(url)) !== JSON.stringify(expected)) throw new OperationError(`the ${label} load differs from the source`);
        return measured;
      };
      const runs = await alternateRounds(rounds, {
        [OURS]: loadInto(names.template, (url) => measureProcess(process.execPath, scriptArgs("db-restore", ["--from", summaryPath]), { env: { ...process.env, DATABASE_URL: url } }), OURS),
        [PG_RESTORE]: loadInto("template0", (url) => measureProcess("pg_restore", ["--single-transaction", "--exit-on-error", "-d", url, customDump]), PG_RESTORE),
        [PSQL]: loadInto(names.template, (url) => measureProcess("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", plainDump, "-d", url]), PSQL),
      });

      process.stdout.write(`  medians of ${rounds} alternating rounds (peak RSS: the highest); every load matched the source\n`);
      process.stdout.write(`  ${"".padEnd(30)} ${"wall s".padStart(7)} ${"rows/s".padStart(10)} ${"peak RSS MB".padStart(12)} ${"CPU s".padStart(6)}\n`);
      const seconds: Record<string, number> = {};
      for (const [label, list] of Object.entries(runs)) {
        seconds[label] = median(list.map((r) => r.seconds));
        process.stdout.write(
          `  ${label.padEnd(30)} ${seconds[label]!.toFixed(2).padStart(7)} ${Math.round(rows / seconds[label]!).toLocaleString("en-US").padStart(10)} ` +
            `${Math.max(...list.map((r) => r.peakRssMb)).toFixed(0).padStart(12)} ${median(list.map((r) => r.cpuSeconds)).toFixed(2).padStart(6)}\n`,
        );
      }
      const rowsLine = await timeRowRecovery(urlFor(names.target), summaryPath, users, rounds, expected, seconds[OURS]!);
      const vsPgRestore = seconds[OURS]! / seconds[PG_RESTORE]!;
      const line =
        `db:restore / pg_restore ${vsPgRestore.toFixed(2)}× (target < 1.00×, ${vsPgRestore < 1 ? "meets" : "MISSES"} it); ` +
        `db:restore / psql ${(seconds[OURS]! / seconds[PSQL]!).toFixed(2)}×`;
      process.stdout.write(`  ratio ${line}\n`);
      summary.push(`${users.toLocaleString("en-US")} users, ${rows.toLocaleString("en-US")} rows: ${line}; ${rowsLine}`);
    } finally {
      for (const name of Object.values(names)) await dropDatabase(server, name).catch(() => {});
      rmSync(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nsummary\n${summary.map((line) => `  ${line}`).join("\n")}\n`);
});
