// `pnpm bench:backup`: db:backup against `pg_dump --data-only` of the same
// tables on the same server, in the same run, at one or more sizes.
//
//   pnpm bench:backup [--sizes 100000,1000000] [--rounds 1] [--server postgresql://postgres@127.0.0.1:5432/postgres]
//
// For each size it creates a database on the server, applies the migrations,
// seeds N users plus related rows (scripts/lib/seed.ts), then times each tool
// as a child process, reading the child's peak RSS (VmHWM) from /proc. The
// default server is the machine's own PostgreSQL, whose pg_dump matches it.
// Last, one row holding a single 10 MB and then 40 MB text value is backed up
// and restored (with pg_dump of it alongside): both must take time linear in
// the value's size (4× the size, about 4× the time).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { commaList, defineCommand, positiveInteger, runCli, scriptArgs } from "../scripts/lib/cli.ts";
import { PROJECT_ROOT, parseDatabaseUrl } from "../scripts/lib/config.ts";
import { createPool, quoteIdent } from "../scripts/lib/db.ts";
import { OperationError } from "../scripts/lib/errors.ts";
import { createDatabase, dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { redactCredentials } from "../scripts/lib/redact.ts";
import { seedDatabase } from "../scripts/lib/seed.ts";
import { discoverTables } from "../scripts/lib/tables.ts";

interface Measurement {
  seconds: number;
  peakRssMb: number;
  bytes: number;
}

const program = defineCommand("bench:backup", "Time db:backup against pg_dump --data-only on the same tables and server.")
  .option("--sizes <list>", "users to seed, one database per size (comma-separated)", commaList, ["100000", "1000000"])
  .option("--rounds <n>", "runs of each tool per size (the fastest counts)", positiveInteger("--rounds"), 1)
  .option("--server <url>", "an admin URL of the PostgreSQL server to use", "postgresql://postgres@127.0.0.1:5432/postgres")
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

const LARGE_VALUE_MB = [10, 40];

/** Backup, restore and pg_dump of one row whose text value is `megabytes` MB (escapes included). */
async function largeValueLine(server: string, megabytes: number, workDir: string): Promise<string> {
  const names = [`backup_bench_large_${megabytes}_${process.pid}`, `backup_bench_large_${megabytes}_${process.pid}_restored`];
  try {
    const [url, restoredUrl] = await Promise.all(names.map((name) => createDatabase(server, name)));
    const table = `CREATE TABLE big (id int PRIMARY KEY, body text)`;
    for (const target of [url!, restoredUrl!]) {
      const pool = createPool(parseDatabaseUrl(target));
      try {
        await pool.query(table);
        // 8-byte pieces with a tab, a quote and a backslash: escaped on the way out and back in.
        if (target === url) await pool.query(`INSERT INTO big VALUES (1, repeat(E'ab\tc"\\de', $1::int))`, [(megabytes * 1024 * 1024) / 8]);
      } finally {
        await pool.end();
      }
    }
    const dump = await runPgDump(url!, ["big"], workDir);
    const out = path.join(workDir, "large");
    const env = { ...process.env, DATABASE_URL: url!, BACKUP_ENCRYPTION_KEY: "" };
    const backup = await measure(process.execPath, scriptArgs("db-backup", ["--out", out]), env);
    const summary = readdirSync(out).find((file) => file.startsWith("backup-summary-"))!;
    const restore = await measure(process.execPath, scriptArgs("db-restore", ["--from", path.join(out, summary), "--dir", out]), { ...env, DATABASE_URL: restoredUrl! });
    rmSync(out, { recursive: true, force: true });
    return `single ${megabytes} MB value: db:backup ${backup.seconds.toFixed(2)} s (peak RSS ${backup.peakRssMb.toFixed(0)} MB), ` +
      `db:restore ${restore.seconds.toFixed(2)} s (peak RSS ${restore.peakRssMb.toFixed(0)} MB), pg_dump ${dump.seconds.toFixed(2)} s`;
  } finally {
    for (const name of names) await dropDatabase(server, name);
  }
}

const fastest = (runs: Measurement[]) => runs.reduce((best, run) => (run.seconds < best.seconds ? run : best));
const mb = (bytes: number) => bytes / 1024 / 1024;

await runCli(async () => {
  const options = program.opts<{ sizes: string[]; rounds: number; server: string }>();
  const sizes = options.sizes.map((size) => positiveInteger("--sizes")(size));
  process.stdout.write(`bench:backup on ${redactCredentials(options.server)}, ${os.cpus().length} cores, ${new Date().toISOString()}\n`);
  const results: string[] = [];
  for (const users of sizes) {
    const name = `backup_bench_${users}_${process.pid}`;
    const workDir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-"));
    process.stdout.write(`\n${users.toLocaleString("en-US")} users (database ${name})\n`);
    try {
      const { url, rows, tables } = await prepareDatabase(options.server, name, users);
      const dumps: Measurement[] = [];
      const backups: Measurement[] = [];
      for (let round = 0; round < options.rounds; round++) {
        dumps.push(await runPgDump(url, tables, workDir));
        backups.push(await runBackup(url, workDir));
      }
      const dump = fastest(dumps);
      const backup = fastest(backups);
      const line = (label: string, m: Measurement) =>
        `  ${label.padEnd(22)} ${m.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / m.seconds).toLocaleString("en-US").padStart(9)} rows/s  ` +
        `${(mb(m.bytes) / m.seconds).toFixed(1).padStart(6)} MB/s  ${mb(m.bytes).toFixed(0).padStart(5)} MB  peak RSS ${m.peakRssMb.toFixed(0).padStart(4)} MB`;
      process.stdout.write(`${line("pg_dump --data-only", dump)}\n${line("db:backup", backup)}\n`);
      const ratio = `  ratio db:backup / pg_dump wall time: ${(backup.seconds / dump.seconds).toFixed(2)}×`;
      process.stdout.write(`${ratio}\n`);
      results.push(
        `${users.toLocaleString("en-US")} users, ${rows.toLocaleString("en-US")} rows: db:backup ${backup.seconds.toFixed(1)} s ` +
          `(${Math.round(rows / backup.seconds).toLocaleString("en-US")} rows/s, ${(mb(backup.bytes) / backup.seconds).toFixed(0)} MB/s, ` +
          `peak RSS ${backup.peakRssMb.toFixed(0)} MB) vs pg_dump ${dump.seconds.toFixed(1)} s: ${(backup.seconds / dump.seconds).toFixed(2)}×`,
      );
    } finally {
      await dropDatabase(options.server, name);
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  const largeDir = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-"));
  try {
    for (const megabytes of LARGE_VALUE_MB) {
      const line = await largeValueLine(options.server, megabytes, largeDir);
      process.stdout.write(`\n${line}\n`);
      results.push(line);
    }
  } finally {
    rmSync(largeDir, { recursive: true, force: true });
  }
  process.stdout.write(`\nsummary\n${results.map((line) => `  ${line}`).join("\n")}\n`);
});
