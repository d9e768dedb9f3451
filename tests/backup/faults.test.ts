// Bad input and faults: each gives a one-line cause, a non-zero exit, and no
// complete-looking partial set (no summary, no table file under its final name).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, verifyBackupSet } from "../../scripts/lib/backup/index.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { errorLine, runProcess, runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { entryOf, listAll, tempDirs } from "./support.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

describe("db:backup faults", () => {
  let db: TestDatabase;
  const dirs = tempDirs();
  const outDir = (label: string) => dirs.make(label);

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 300 });
    await db.pool.query(`CREATE TABLE audit_log (id int PRIMARY KEY, note text); INSERT INTO audit_log SELECT i, 'n' || i FROM generate_series(1, 50) i`);
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
  });

  it("unreachable database: exit 1, the cause and a hint, an alert, nothing written", async () => {
    const dir = await outDir("fault-unreachable");
    const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: "postgresql://app:secret@127.0.0.1:1/app" });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /^error: backup failed: connect ECONNREFUSED 127\.0\.0\.1:1 .*is the server running/);
    assert.match(result.stderr, /ALERT error: Database backup \(manual\) of 127\.0\.0\.1:1\/app failed/);
    assert.ok(!result.stderr.includes("secret"), "the password is never printed");
    assert.deepEqual(await listAll(dir), []);
  });

  it("wrong password: exit 1 naming the cause (on a password-checking server of its own)", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pdg-fault-pg-"));
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      const dir = await outDir("fault-password");
      const url = withCredentials(server.urlFor("postgres"), "postgres", "not-the-password");
      const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: url });
      assert.equal(result.code, 1);
      assert.match(errorLine(result), /password authentication failed for user "postgres" — wrong password for DATABASE_URL's user/);
      assert.ok(!result.stderr.includes("not-the-password"));
      assert.deepEqual(await listAll(dir), []);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("missing permission on a table: exit 1 naming the table, nothing written", async () => {
    const role = `pdg_limited_${randomBytes(4).toString("hex")}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'limited-pw'`);
    try {
      await db.pool.query(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};
                           REVOKE SELECT ON "User" FROM ${role}`);
      const dir = await outDir("fault-permission");
      const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: withCredentials(db.url, role, "limited-pw") });
      assert.equal(result.code, 1);
      assert.match(errorLine(result), /permission denied for table User — the database user lacks a permission this command needs/);
      assert.deepEqual(await listAll(dir), []);
    } finally {
      await db.pool.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}; DROP ROLE ${role}`);
    }
  });

  it("unwritable --out (a path through a file): exit 1 naming the directory", async () => {
    const dir = await outDir("fault-out");
    const file = path.join(dir, "a-file");
    await writeFile(file, "x");
    const result = await runScript("db-backup", ["--out", path.join(file, "backups")], { DATABASE_URL: db.url });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /cannot use backup directory .*a-file\/backups: a part of the path is a file, not a directory; choose another --out \(ENOTDIR\)/);
    const onFile = await runScript("db-backup", ["--out", file], { DATABASE_URL: db.url });
    assert.equal(onFile.code, 1);
    assert.match(errorLine(onFile), /cannot use backup directory .*a-file: /);
  });

  it("disk full: exit 1 saying so, partial files removed", async () => {
    const dir = await outDir("fault-full");
    const command = `node tools/run.mjs db-backup --out "$OUT"; code=$?; echo "--files--"; ls -A "$OUT"; exit $code`;
    const probe = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", `mount -t tmpfs -o size=64k tmpfs "${dir}"`]);
    // A 64 KB tmpfs in a private mount namespace gives a real ENOSPC; without the right to mount, a
    // file-size limit makes the same write fail (EFBIG) — the same failure path either way.
    const [program, args, expected] =
      probe.status === 0
        ? ["unshare", ["--mount", "--propagation", "private", "sh", "-c", `mount -t tmpfs -o size=64k tmpfs "$OUT" && ${command}`], /the disk is full; free space or choose another --out \(ENOSPC\)/]
        : ["sh", ["-c", `ulimit -f 128; ${command}`], /larger than this system allows .* \(EFBIG\)/];
    const result = await runProcess(program as string, args as string[], { env: { ...process.env, DATABASE_URL: db.url, OUT: dir } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(errorLine(result), expected as RegExp);
    const left = result.stdout.split("--files--\n")[1]?.trim() ?? "";
    assert.equal(left, "", "no file is left in the full directory");
  });

  it("a table dropped while the backup is starting: exit 1 saying to run it again, nothing written", async () => {
    await db.pool.query(`CREATE TABLE doomed (id int); INSERT INTO doomed VALUES (1)`);
    const blocker = await db.pool.connect();
    try {
      // Hold the table so the backup's LOCK waits; drop it while it waits.
      await blocker.query(`BEGIN; LOCK TABLE doomed IN ACCESS EXCLUSIVE MODE`);
      const dir = await outDir("fault-dropped");
      const running = runScript("db-backup", ["--out", dir], { DATABASE_URL: db.url });
      for (let waited = 0; ; waited += 50) {
        const waiting = await db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.application_name = 'prisma-data-guard backup' AND a.datname = current_database()`,
        );
        if (waiting.rows[0]!.n > 0) break;
        assert.ok(waited < 30_000, "the backup never waited for the lock");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await blocker.query(`DROP TABLE doomed; COMMIT`);
      const result = await running;
      assert.equal(result.code, 1);
      assert.match(errorLine(result), /a table was dropped while the backup was starting \(.*doomed.*\); run the backup again/);
      assert.deepEqual(await listAll(dir), []);
    } finally {
      await blocker.query("ROLLBACK").catch(() => {});
      blocker.release();
      await db.pool.query(`DROP TABLE IF EXISTS doomed`);
    }
  });

  it("a table dropped mid-backup: the DROP waits for the backup, which completes with the table", async () => {
    const dir = await outDir("fault-drop-mid");
    const started = new Set<string>();
    let drop: Promise<number> | null = null;
    const { summaryPath, summary } = await createBackup({
      target: db.target,
      outDir: dir,
      kind: "manual",
      onProgress: ({ table }) => {
        started.add(table);
        // Issued as the first table starts, before audit_log is read.
        drop ??= db.pool.query(`DROP TABLE audit_log`).then(() => started.size);
      },
    });
    assert.ok(drop, "the DROP was issued during the backup");
    assert.equal(await drop, summary.tables.length, "the DROP completed only after every table was read");
    assert.equal(entryOf(summary, "audit_log").rows, 50);
    assert.equal((await verifyBackupSet(summaryPath)).ok, true);
    const gone = await db.pool.query(`SELECT to_regclass('audit_log') AS t`);
    assert.equal(gone.rows[0].t, null);
  });

  it("SIGINT mid-table: exit 1, 'interrupted', every partial file removed", async () => {
    await db.pool.query(`CREATE TABLE bulk AS SELECT i AS id, repeat('x', 2000) AS pad FROM generate_series(1, 40000) i`);
    try {
      const dir = await outDir("fault-sigint");
      const child = spawn(process.execPath, scriptArgs("db-backup", ["--out", dir, "--tables", "bulk"]), {
        cwd: PROJECT_ROOT,
        env: { ...process.env, DATABASE_URL: db.url },
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
      let partial: string | undefined;
      for (let waited = 0; !partial; waited += 10) {
        partial = (await listAll(dir)).find((name) => name.startsWith(".bulks-backup-") && name.includes(".partial-"));
        assert.ok(waited < 60_000, "the backup never started writing");
        if (!partial) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Freeze it mid-write so the interruption cannot arrive after the table is done.
      child.kill("SIGSTOP");
      const size = (await stat(path.join(dir, partial))).size;
      assert.ok(size < 40000 * 2000, "stopped before the table was complete");
      child.kill("SIGINT");
      child.kill("SIGCONT");
      const code = await exited;
      assert.equal(code, 1, stderr);
      assert.match(stderr, /SIGINT received: stopping the backup/);
      assert.match(stderr, /^error: the backup was interrupted; no backup set was written$/m);
      assert.deepEqual(await listAll(dir), []);
    } finally {
      await db.pool.query(`DROP TABLE bulk`);
    }
  });

  it("usage errors exit 2 with one line: unknown table, bad --kind, no DATABASE_URL", async () => {
    const dir = await outDir("fault-usage");
    const unknown = await runScript("db-backup", ["--out", dir, "--tables", "User,Nope"], { DATABASE_URL: db.url });
    assert.equal(unknown.code, 2);
    assert.match(errorLine(unknown), /^error: no table named "Nope" in the database; tables: /);
    const kind = await runScript("db-backup", ["--out", dir, "--kind", "weekly"], { DATABASE_URL: db.url });
    assert.equal(kind.code, 2);
    assert.match(errorLine(kind), /--kind must be manual or scheduled \(got "weekly"\)/);
    const noUrl = await runScript("db-backup", ["--out", dir]);
    assert.equal(noUrl.code, 2);
    assert.match(errorLine(noUrl), /DATABASE_URL is not set/);
    assert.deepEqual(await listAll(dir), []);
  });
});
