// `pnpm bench:backup`: db:backup against `pg_dump --data-only` of the same
// tables on the same server, in the same run, at one or more sizes; with
// --to s3://bucket/prefix also db:backup into that bucket (the embedded S3
// server by default; --s3-server env uses the AWS_* variables instead).
//
//   pnpm bench:backup [--sizes 100000,1000000] [--rounds 1] [--server postgresql://postgres@127.0.0.1:5432/postgres]
//                     [--to s3://bench/backups [--s3-server embedded|env]]
//
// For each size it creates a database on the server, applies the migrations,
// seeds N users plus related rows (scripts/lib/seed.ts), then times each tool
// as a child process, reading the child's peak RSS (VmHWM) from /proc. The
// default server is the machine's own PostgreSQL, whose pg_dump matches it.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { commaList, defineCommand, positiveInteger, runCli, scriptArgs } from "../scripts/lib/cli.ts";
import { PROJECT_ROOT, parseDatabaseUrl } from "../scripts/lib/config.ts";
import { createPool, quoteIdent } from "../scripts/lib/db.ts";
import { OperationError } from "../scripts/lib/errors.ts";
import { dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { redactCredentials } from "../scripts/lib/redact.ts";
import { seedDatabase } from "../scripts/lib/seed.ts";
import { discoverTables } from "../scripts/lib/tables.ts";
import { startEmbeddedS3, type EmbeddedS3 } from "../scripts/lib/embedded-s3.ts";
import { openRepository } from "../scripts/lib/repository/index.ts";

interface Measurement {
  seconds: number;
  peakRssMb: number;
  bytes: number;
}

const program = defineCommand("bench:backup", "Time db:backup against pg_dump --data-only on the same tables and server.")
  .option("--sizes <list>", "users to seed, one database per size (comma-separated)", commaList, ["100000", "1000000"])
  .option("--rounds <n>", "runs of each tool per size (the fastest counts)", positiveInteger("--rounds"), 1)
  .option("--server <url>", "an admin URL of the PostgreSQL server to use", "postgresql://postgres@127.0.0.1:5432/postgres")
  .option("--to <location>", "also back up into this s3://bucket/prefix, in the same rounds")
  .option("--s3-server <which>", "embedded: start s3rver for --to (default); env: the server the AWS_* variables name", "embedded")
  .parse();

/** Runs a command, returning its wall time and peak RSS (VmHWM, polled from /proc). */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Omit<Measurement, "bytes">> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let peakKb = 0;
    const poll = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch {
        // The process has just exited.
      }
    };
    const timer = setInterval(poll, 20);
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) reject(new OperationError(`${command} failed (exit ${code}): ${redactCredentials(stderr.trim())}`));
      else resolve({ seconds, peakRssMb: peakKb / 1024 });
    });
    poll();
  });
}

function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

async function prepareDatabase(server: string, name: string, users: number): Promise<{ url: string; rows: number; tables: string[] }> {
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

async function runPgDump(url: string, tables: string[], workDir: string): Promise<Measurement> {
  const target = parseDatabaseUrl(url);
  const file = path.join(workDir, "pg_dump.sql");
  const args = ["--data-only", "-h", target.host, "-p", String(target.port), "-U", target.user, "-f", file];
  for (const table of tables) args.push("-t", `public.${quoteIdent(table)}`);
  args.push(target.database);
  const result = await measure("pg_dump", args, process.env);
  const bytes = statSync(file).size;
  rmSync(file);
  return { ...result, bytes };
}

async function runBackup(url: string, workDir: string): Promise<Measurement> {
  const out = path.join(workDir, "set");
  const result = await measure(process.execPath, scriptArgs("db-backup", ["--out", out]), {
    ...process.env,
    DATABASE_URL: url,
    BACKUP_ENCRYPTION_KEY: "",
  });
  const bytes = directoryBytes(out);
  rmSync(out, { recursive: true, force: true });
  return { ...result, bytes };
}

/** db:backup into the bucket; its objects are counted and removed afterwards. */
async function runBackupToBucket(url: string, location: string): Promise<Measurement> {
  const result = await measure(process.execPath, scriptArgs("db-backup", ["--out", location]), {
    ...process.env,
    DATABASE_URL: url,
    BACKUP_ENCRYPTION_KEY: "",
  });
  const repository = openRepository(location);
  const objects = await repository.list();
  await repository.remove(objects.map((object) => object.name));
  return { ...result, bytes: objects.reduce((sum, object) => sum + object.bytes, 0) };
}

/** For --to: an embedded s3rver holding the location's bucket (its AWS_* variables set here), or the environment's own server (null). */
async function bucketServer(location: string, which: string, workDir: string): Promise<EmbeddedS3 | null> {
  if (which === "env") return null;
  if (which !== "embedded") throw new OperationError(`--s3-server must be embedded or env (got "${which}")`);
  const bucket = /^s3:\/\/([^/]+)/.exec(location)?.[1];
  if (!bucket) throw new OperationError(`--to must be an s3://bucket/prefix location (got "${location}")`);
  const server = await startEmbeddedS3({ directory: path.join(workDir, "s3"), buckets: [bucket] });
  Object.assign(process.env, server.env);
  return server;
}

const fastest = (runs: Measurement[]) => runs.reduce((best, run) => (run.seconds < best.seconds ? run : best));
const mb = (bytes: number) => bytes / 1024 / 1024;

await runCli(async () => {
  const options = program.opts<{ sizes: string[]; rounds: number; server: string; to?: string; s3Server: string }>();
  const sizes = options.sizes.map((size) => positiveInteger("--sizes")(size));
  process.stdout.write(`bench:backup on ${redactCredentials(options.server)}, ${os.cpus().length} cores, ${new Date().toISOString()}\n`);
  const results: string[] = [];
  for (const users of sizes) {
    const name = `backup_bench_${users}_${process.pid}`;
    const workDir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-"));
    process.stdout.write(`\n${users.toLocaleString("en-US")} users (database ${name})\n`);
    const s3 = options.to ? await bucketServer(options.to, options.s3Server, workDir) : null;
    try {
      const { url, rows, tables } = await prepareDatabase(options.server, name, users);
      const dumps: Measurement[] = [];
      const backups: Measurement[] = [];
      const uploads: Measurement[] = [];
      for (let round = 0; round < options.rounds; round++) {
        dumps.push(await runPgDump(url, tables, workDir));
        backups.push(await runBackup(url, workDir));
        if (options.to) uploads.push(await runBackupToBucket(url, options.to));
      }
      const dump = fastest(dumps);
      const backup = fastest(backups);
      const line = (label: string, m: Measurement) =>
        `  ${label.padEnd(22)} ${m.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / m.seconds).toLocaleString("en-US").padStart(9)} rows/s  ` +
        `${(mb(m.bytes) / m.seconds).toFixed(1).padStart(6)} MB/s  ${mb(m.bytes).toFixed(0).padStart(5)} MB  peak RSS ${m.peakRssMb.toFixed(0).padStart(4)} MB`;
      process.stdout.write(`${line("pg_dump --data-only", dump)}\n${line("db:backup", backup)}\n`);
      const ratio = `  ratio db:backup / pg_dump wall time: ${(backup.seconds / dump.seconds).toFixed(2)}×`;
      process.stdout.write(`${ratio}\n`);
      if (uploads.length > 0) {
        const upload = fastest(uploads);
        process.stdout.write(`${line(`db:backup --out ${options.to}`, upload)}\n`);
        process.stdout.write(`  ratio bucket / local directory wall time: ${(upload.seconds / backup.seconds).toFixed(2)}× (target ≤ 1.2×; peak RSS target < 200 MB)\n`);
        results.push(
          `${users.toLocaleString("en-US")} users: db:backup to ${options.to} ${upload.seconds.toFixed(1)} s (peak RSS ${upload.peakRssMb.toFixed(0)} MB) ` +
            `vs local ${backup.seconds.toFixed(1)} s: ${(upload.seconds / backup.seconds).toFixed(2)}×, BACKUP_S3_CONCURRENCY=${process.env.BACKUP_S3_CONCURRENCY ?? "4 (default)"}`,
        );
      }
      results.push(
        `${users.toLocaleString("en-US")} users, ${rows.toLocaleString("en-US")} rows: db:backup ${backup.seconds.toFixed(1)} s ` +
          `(${Math.round(rows / backup.seconds).toLocaleString("en-US")} rows/s, ${(mb(backup.bytes) / backup.seconds).toFixed(0)} MB/s, ` +
          `peak RSS ${backup.peakRssMb.toFixed(0)} MB) vs pg_dump ${dump.seconds.toFixed(1)} s: ${(backup.seconds / dump.seconds).toFixed(2)}×`,
      );
    } finally {
      await dropDatabase(options.server, name);
      await s3?.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nsummary\n${results.map((line) => `  ${line}`).join("\n")}\n`);
});
