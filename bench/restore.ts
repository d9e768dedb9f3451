// `pnpm bench:restore [--users N] [--url postgresql://…/postgres]`: seeds N
// users plus related rows into a source database, backs it up with db:backup's
// library and dumps it with `pg_dump --data-only`, then loads the same data
// into two empty migrated databases on the same server in the same run:
//   reference: psql --single-transaction -f <pg_dump --data-only output>
//   ours:      pnpm run db:restore --from <summary>   (verify + load, one transaction)
// and prints wall time, rows/s, peak RSS (GNU time) and the ratio. Both loads
// are checked against the source with per-table digests computed in SQL.
// Default server: the machine's PostgreSQL (pg_dump/psql must match its version).
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createBackup } from "../scripts/lib/backup/index.ts";
import { PROJECT_ROOT, parseDatabaseUrl } from "../scripts/lib/config.ts";
import { quoteIdent } from "../scripts/lib/db.ts";
import { createDatabase, databaseUrl, dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { seedDatabase } from "../scripts/lib/seed.ts";
import { discoverTables } from "../scripts/lib/tables.ts";
import { scriptArgs } from "../scripts/lib/cli.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000000" },
    url: { type: "string", default: "postgresql://postgres@127.0.0.1:5432/postgres" },
  },
});
const users = Number(values.users);
const adminUrl = values.url!;
const prefix = `restore_bench_${process.pid}`;
const names = { template: `${prefix}_tpl`, source: `${prefix}_src`, ours: `${prefix}_ours`, psql: `${prefix}_psql` };

const urlFor = (database: string) => databaseUrl(adminUrl, database);



interface Timed {
  seconds: number;
  peakRssMb: number;
}

/** Runs a command under GNU time: wall seconds and peak RSS of the process. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "PDG_TIME %e %M", command, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const match = /PDG_TIME ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !match) return reject(new Error(`${command} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      resolve({ seconds: Number(match[1]), peakRssMb: Number(match[2]) / 1024 });
    });
  });
}

/** Per table: rows and an order-independent-of-storage digest (md5 of each row's md5, in primary-key order). */
async function digests(database: string): Promise<Record<string, string>> {
  const pool = new pg.Pool({ connectionString: urlFor(database), max: 1 });
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

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), "pdg-bench-restore-"));
  try {
    for (const name of Object.values(names)) await dropDatabase(adminUrl, name);
    await recreateMigratedDatabase(adminUrl, names.template);
    for (const name of [names.source, names.ours, names.psql]) await createDatabase(adminUrl, name, names.template);

    console.log(`seeding ${users} users plus related rows into ${names.source} …`);
    const seedPool = new pg.Pool({ connectionString: urlFor(names.source), max: 1 });
    const counts = await seedDatabase(seedPool, { users });
    await seedPool.query("VACUUM ANALYZE");
    await seedPool.end();
    const totalRows = Object.values(counts).reduce((sum, n) => sum + n, 0);
    console.log(`  ${totalRows} rows: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(", ")}`);

    const setDir = path.join(work, "backup");
    const { summaryPath, summary } = await createBackup({
      target: parseDatabaseUrl(urlFor(names.source)),
      outDir: setDir,
      kind: "manual",
    });
    const setBytes = summary.tables.reduce((sum, t) => sum + t.bytes, 0);
    const dumpFile = path.join(work, "data.sql");
    await timed("pg_dump", ["--data-only", "--exclude-table-data=_prisma_migrations", "-f", dumpFile, "-d", urlFor(names.source)]);
    const dumpBytes = (await stat(dumpFile)).size;
    console.log(`  backup set ${(setBytes / 1e6).toFixed(0)} MB, pg_dump --data-only ${(dumpBytes / 1e6).toFixed(0)} MB`);

    console.log("loading with psql (reference) …");
    const reference = await timed("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", dumpFile, "-d", urlFor(names.psql)]);
    console.log("loading with db:restore …");
    const ours = await timed(process.execPath, scriptArgs("db-restore", ["--from", summaryPath]), {
      DATABASE_URL: urlFor(names.ours),
    });

    const [expected, gotPsql, gotOurs] = await Promise.all([digests(names.source), digests(names.psql), digests(names.ours)]);
    const same = (got: Record<string, string>) => JSON.stringify(got) === JSON.stringify(expected);
    if (!same(gotPsql)) throw new Error("the psql load differs from the source");
    if (!same(gotOurs)) throw new Error("the db:restore load differs from the source");

    const rate = (t: Timed) => Math.round(totalRows / t.seconds);
    console.log(`\nrestore benchmark: ${users} users, ${totalRows} rows, PostgreSQL server ${adminUrl.replace(/\/\/[^@]*@/, "//")}`);
    console.log(`  ${"".padEnd(34)} ${"wall s".padStart(8)} ${"rows/s".padStart(10)} ${"peak RSS MB".padStart(12)}`);
    for (const [label, t] of [["psql -f pg_dump --data-only", reference], ["db:restore (verify + load)", ours]] as const) {
      console.log(`  ${label.padEnd(34)} ${t.seconds.toFixed(1).padStart(8)} ${String(rate(t)).padStart(10)} ${t.peakRssMb.toFixed(0).padStart(12)}`);
    }
    console.log(`  ratio db:restore / psql: ${(ours.seconds / reference.seconds).toFixed(2)}x (target ≤ 2.5x); rows/s target ≥ 100000`);
    console.log("  both loads match the source table by table (digests computed in SQL)");
  } finally {
    for (const name of Object.values(names)) await dropDatabase(adminUrl, name).catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

await main();
