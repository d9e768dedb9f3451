// `pnpm bench:backup [--sizes 100000,1000000] [--rounds 3] [--server URL]`:
// db:backup against pg_dump of the same tables on the same server, in the same
// run, in alternating rounds:
//   plain       db:backup          vs  pg_dump --data-only (plain SQL)
//   compressed  db:backup --gzip   vs  pg_dump -Fc --data-only (custom format, compressed)
//   jobs        db:backup --jobs 2 vs  db:backup (one job; target: at least 1.4× faster)
//               db:backup --jobs 2 vs  pg_dump -Fd -j 2 --data-only (directory format, two jobs)
// For each size it creates a database on the server, applies the migrations,
// seeds N users plus related rows (scripts/lib/seed.ts), then runs each tool as
// a child process (bench/lib/measure.ts: wall time, peak RSS, CPU time) and
// reports medians. The default server is the machine's own PostgreSQL, whose
// pg_dump matches it. Last, one row holding a single 10 MB and then 40 MB text
// value is backed up and restored (with pg_dump of it alongside): both must take
// time linear in the value's size (4× the size, about 4× the time).
// Per size, one more line: db:diff-backup of two sets against db:verify-backup
// of both (target ≤ 2×, peak RSS flat across sizes).
// With --to s3://bucket/prefix, db:backup into that bucket joins the rounds
// (the embedded S3 server by default; --s3-server env uses the server the
// AWS_* variables name), compared with the local directory (target ≤ 1.2×).
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { scriptArgs } from "../scripts/lib/cli.ts";
import { parseDatabaseUrl } from "../scripts/lib/config.ts";
import { createPool, quoteIdent } from "../scripts/lib/db.ts";
import { startEmbeddedS3, type EmbeddedS3 } from "../scripts/lib/embedded-s3.ts";
import { UsageError } from "../scripts/lib/errors.ts";
import { openRepository } from "../scripts/lib/repository/index.ts";
import { createDatabase, dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { seedDatabase } from "../scripts/lib/seed.ts";
import { discoverTables } from "../scripts/lib/tables.ts";
import { alternateRounds, defineBenchmark, median, runBenchmark, type BenchmarkOptions } from "./lib/harness.ts";
import { measureProcess, type ProcessMeasurement } from "./lib/measure.ts";

interface Run extends ProcessMeasurement {
  bytes: number;
}

interface Database {
  url: string;
  rows: number;
  tables: string[];
}

/**
 * One contestant: runs once into `out` (a fresh path in the work directory) and
 * leaves its output there, or measures its output itself (`bytes`).
 */
type Contestant = (database: Database, out: string) => Promise<ProcessMeasurement & { bytes?: number }>;

function pgDump(format: string[]): Contestant {
  return (database, out) => {
    const target = parseDatabaseUrl(database.url);
    const args = ["--data-only", ...format, "-h", target.host, "-p", String(target.port), "-U", target.user, "-f", out];
    for (const table of database.tables) args.push("-t", `public.${quoteIdent(table)}`);
    return measureProcess("pg_dump", [...args, target.database]);
  };
}

function dbBackup(options: string[]): Contestant {
  return (database, out) =>
    measureProcess(process.execPath, scriptArgs("db-backup", ["--out", out, ...options]), {
      env: { ...process.env, DATABASE_URL: database.url, BACKUP_ENCRYPTION_KEY: "" },
    });
}

/** db:backup into the bucket; its objects are counted, then removed. */
function dbBackupToBucket(location: string): Contestant {
  return async (database) => {
    const measured = await dbBackup([])(database, location);
    const repository = openRepository(location);
    const objects = await repository.list();
    await repository.remove(objects.map((object) => object.name));
    return { ...measured, bytes: objects.reduce((sum, object) => sum + object.bytes, 0) };
  };
}

interface Pair {
  ours: string;
  reference: string;
  target: number;
  run: Record<string, Contestant>;
}

/** Each pair is one line of the targets: ours against the reference. */
function pairs(bucket: string | undefined): Pair[] {
  const list: Pair[] = [
    { ours: "db:backup", reference: "pg_dump --data-only", target: 2.0, run: { "pg_dump --data-only": pgDump([]), "db:backup": dbBackup([]) } },
    {
      ours: "db:backup --gzip",
      reference: "pg_dump -Fc --data-only",
      target: 2.0,
      run: { "pg_dump -Fc --data-only": pgDump(["-Fc"]), "db:backup --gzip": dbBackup(["--gzip"]) },
    },
    {
      ours: "db:backup --jobs 2",
      reference: "db:backup",
      // At least 1.4× faster than one job: at most 1 / 1.4 of its time.
      target: 1 / 1.4,
      run: { "db:backup --jobs 2": dbBackup(["--jobs", "2"]) },
    },
    {
      ours: "db:backup --jobs 2",
      reference: "pg_dump -Fd -j 2 --data-only",
      target: 1.5,
      run: { "pg_dump -Fd -j 2 --data-only": pgDump(["-Fd", "-j", "2"]) },
    },
  ];
  if (bucket) list.push({ ours: "db:backup → bucket", reference: "db:backup", target: 1.2, run: { "db:backup → bucket": dbBackupToBucket(bucket) } });
  return list;
}

/** For --to: an embedded s3rver holding the location's bucket (its AWS_* variables set here), or the environment's own server (null). */
async function bucketServer(location: string, which: string, workDir: string): Promise<EmbeddedS3 | null> {
  if (which === "env") return null;
  if (which !== "embedded") throw new UsageError(`--s3-server must be embedded or env (got "${which}")`);
  const bucket = /^s3:\/\/([^/]+)/.exec(location)?.[1];
  if (!bucket) throw new UsageError(`--to must be an s3://bucket/prefix location (got "${location}")`);
  const server = await startEmbeddedS3({ directory: path.join(workDir, "s3"), buckets: [bucket] });
  Object.assign(process.env, server.env);
  return server;
}

function bytesAt(file: string): number {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(file).reduce((sum, name) => sum + bytesAt(path.join(file, name)), 0);
}

async function prepareDatabase(server: string, name: string, users: number): Promise<Database> {
  const url = await recreateMigratedDatabase(server, name);
  const pool = createPool(parseDatabaseUrl(url));
  try {
    const started = performance.now();
    const counts = await seedDatabase(pool, { users });
    await pool.query("ANALYZE");
    const tables = (await discoverTables(pool)).map((table) => table.name);
    const rows = Object.values(counts).reduce((sum, n) => sum + n, 0);
    process.stdout.write(`  seeded ${rows.toLocaleString("en-US")} rows in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return { url, rows: rows + 3, tables };
  } finally {
    await pool.end();
  }
}

const LARGE_VALUE_MB = [10, 40];

/** Backup, restore and pg_dump of one row whose text value is `megabytes` MB (escapes included). */
async function largeValueLine(server: string, megabytes: number, workDir: string): Promise<string> {
  const names = [`backup_bench_large_${megabytes}_${process.pid}`, `backup_bench_large_${megabytes}_${process.pid}_restored`];
  try {
    const [url, restoredUrl] = await Promise.all(names.map((name) => createDatabase(server, name)));
    for (const target of [url!, restoredUrl!]) {
      const pool = createPool(parseDatabaseUrl(target));
      try {
        await pool.query(`CREATE TABLE big (id int PRIMARY KEY, body text)`);
        // 8-byte pieces with a tab, a quote and a backslash: escaped on the way out and back in.
        if (target === url) await pool.query(`INSERT INTO big VALUES (1, repeat(E'ab\tc"\\de', $1::int))`, [(megabytes * 1024 * 1024) / 8]);
      } finally {
        await pool.end();
      }
    }
    const database: Database = { url: url!, rows: 1, tables: ["big"] };
    const dump = await pgDump([])(database, path.join(workDir, "large.sql"));
    const out = path.join(workDir, "large");
    const backup = await dbBackup([])(database, out);
    const summary = readdirSync(out).find((file) => file.startsWith("backup-summary-"))!;
    const restore = await measureProcess(process.execPath, scriptArgs("db-restore", ["--from", path.join(out, summary), "--dir", out]), {
      env: { ...process.env, DATABASE_URL: restoredUrl!, BACKUP_ENCRYPTION_KEY: "" },
    });
    return `single ${megabytes} MB value: db:backup ${backup.seconds.toFixed(2)} s (peak RSS ${backup.peakRssMb.toFixed(0)} MB), ` +
      `db:restore ${restore.seconds.toFixed(2)} s (peak RSS ${restore.peakRssMb.toFixed(0)} MB), pg_dump ${dump.seconds.toFixed(2)} s`;
  } finally {
    for (const name of names) await dropDatabase(server, name);
  }
}

/**
 * db:diff-backup of two sets of the database (the second taken after a few
 * rows were deleted, changed and added) against db:verify-backup of both
 * (the two runs' times added up): target ≤ 2×. Its peak RSS, printed for each
 * size, should stay flat as the sets grow (large tables spill to disk).
 */
async function diffLine(database: Database, workDir: string, rounds: number): Promise<string> {
  const out = path.join(workDir, "sets");
  const backup = () => measureProcess(process.execPath, scriptArgs("db-backup", ["--out", out]), { env: { ...process.env, DATABASE_URL: database.url, BACKUP_ENCRYPTION_KEY: "" } });
  await backup();
  const pool = createPool(parseDatabaseUrl(database.url));
  try {
    await pool.query(`DELETE FROM "Like" WHERE ctid IN (SELECT ctid FROM "Like" LIMIT 100)`);
    await pool.query(`UPDATE "Comment" SET text = text || ' (edited)' WHERE ctid IN (SELECT ctid FROM "Comment" LIMIT 100)`);
  } finally {
    await pool.end();
  }
  await backup();
  const [a, b] = readdirSync(out).filter((file) => file.startsWith("backup-summary-")).sort().map((file) => path.join(out, file));
  const env = { ...process.env, BACKUP_ENCRYPTION_KEY: "" };
  const DIFF = "db:diff-backup A B";
  const VERIFY = "db:verify-backup A, then B";
  const runs = await alternateRounds(rounds, {
    [DIFF]: () => measureProcess(process.execPath, scriptArgs("db-diff-backup", [a!, b!]), { env, expectExit: 1 }),
    [VERIFY]: async () => {
      const [first, second] = [await measureProcess(process.execPath, scriptArgs("db-verify-backup", [a!]), { env }), await measureProcess(process.execPath, scriptArgs("db-verify-backup", [b!]), { env })];
      return { ...first, seconds: first.seconds + second.seconds, cpuSeconds: first.cpuSeconds + second.cpuSeconds, peakRssMb: Math.max(first.peakRssMb, second.peakRssMb) };
    },
  });
  rmSync(out, { recursive: true, force: true });
  const [diff, verify] = [DIFF, VERIFY].map((label) => ({ seconds: median(runs[label]!.map((r) => r.seconds)), rss: Math.max(...runs[label]!.map((r) => r.peakRssMb)) }));
  const ratio = diff!.seconds / verify!.seconds;
  return `${DIFF} ${diff!.seconds.toFixed(2)} s (peak RSS ${diff!.rss.toFixed(0)} MB) / ${VERIFY} ${verify!.seconds.toFixed(2)} s (peak RSS ${verify!.rss.toFixed(0)} MB): ` +
    `${ratio.toFixed(2)}× (target ≤ 2.0×, ${ratio <= 2 ? "meets" : "MISSES"} it)`;
}

const mb = (bytes: number) => bytes / 1024 / 1024;

const program = defineBenchmark("bench:backup", "Time db:backup against pg_dump on the same tables and server.", {
  server: true,
  rounds: 3,
  sizes: [100_000, 1_000_000],
})
  .option("--to <location>", "also back up into this s3://bucket/prefix, in the same rounds")
  .option("--s3-server <which>", "embedded: start s3rver for --to (default); env: the server the AWS_* variables name", "embedded");

await runBenchmark<BenchmarkOptions & { to?: string; s3Server: string }>(program, async ({ server, rounds, sizes, to, s3Server }) => {
  const summary: string[] = [];
  const targets = pairs(to);
  if (to) summary.push(`bucket: ${to}, BACKUP_S3_CONCURRENCY=${process.env.BACKUP_S3_CONCURRENCY ?? "4 (default)"}`);
  for (const users of sizes) {
    const name = `backup_bench_${users}_${process.pid}`;
    const workDir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-"));
    process.stdout.write(`\n${users.toLocaleString("en-US")} users (database ${name})\n`);
    const s3 = to ? await bucketServer(to, s3Server, workDir) : null;
    try {
      const database = await prepareDatabase(server, name, users);
      const contestants: Record<string, () => Promise<Run>> = {};
      for (const pair of targets) {
        for (const [label, run] of Object.entries(pair.run)) {
          contestants[label] = async () => {
            const out = path.join(workDir, "out");
            const measured = await run(database, out);
            if (measured.bytes !== undefined) return { ...measured, bytes: measured.bytes };
            const bytes = bytesAt(out);
            rmSync(out, { recursive: true, force: true });
            return { ...measured, bytes };
          };
        }
      }
      const runs = await alternateRounds(rounds, contestants);
      process.stdout.write(`  medians of ${rounds} alternating rounds (peak RSS: the highest)\n`);
      process.stdout.write(`  ${"".padEnd(24)} ${"wall s".padStart(7)} ${"rows/s".padStart(10)} ${"MB/s".padStart(6)} ${"MB".padStart(6)} ${"peak RSS MB".padStart(12)} ${"CPU s".padStart(6)}\n`);
      const seconds: Record<string, number> = {};
      for (const [label, list] of Object.entries(runs)) {
        const wall = median(list.map((r) => r.seconds));
        const bytes = median(list.map((r) => r.bytes));
        seconds[label] = wall;
        process.stdout.write(
          `  ${label.padEnd(24)} ${wall.toFixed(2).padStart(7)} ${Math.round(database.rows / wall).toLocaleString("en-US").padStart(10)} ` +
            `${(mb(bytes) / wall).toFixed(1).padStart(6)} ${mb(bytes).toFixed(0).padStart(6)} ` +
            `${Math.max(...list.map((r) => r.peakRssMb)).toFixed(0).padStart(12)} ${median(list.map((r) => r.cpuSeconds)).toFixed(2).padStart(6)}\n`,
        );
      }
      for (const pair of targets) {
        const ratio = seconds[pair.ours]! / seconds[pair.reference]!;
        const verdict = ratio <= pair.target ? "meets" : "MISSES";
        const line = `${pair.ours} / ${pair.reference}: ${ratio.toFixed(2)}× (target ≤ ${pair.target.toFixed(2)}×, ${verdict} it)`;
        process.stdout.write(`  ratio ${line}\n`);
        summary.push(`${users.toLocaleString("en-US")} users, ${database.rows.toLocaleString("en-US")} rows: ${line}`);
      }
      const diff = await diffLine(database, workDir, rounds);
      process.stdout.write(`  ${diff}\n`);
      summary.push(`${users.toLocaleString("en-US")} users: ${diff}`);
    } finally {
      await dropDatabase(server, name);
      await s3?.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  const largeDir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-"));
  try {
    for (const megabytes of LARGE_VALUE_MB) {
      const line = await largeValueLine(server, megabytes, largeDir);
      process.stdout.write(`\n${line}\n`);
      summary.push(line);
    }
  } finally {
    rmSync(largeDir, { recursive: true, force: true });
  }
  process.stdout.write(`\nsummary\n${summary.map((line) => `  ${line}`).join("\n")}\n`);
});
