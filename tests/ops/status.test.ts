import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup } from "../../scripts/lib/backup/index.ts";
import { painterFor } from "../../scripts/lib/status/format.ts";
import type { StatusReport } from "../../scripts/lib/status/status.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { backupAged, DAY, HOUR, plantDrillReport } from "./backup-fixtures.ts";
import { startWebhookServer } from "./http-server.ts";

const ESC = "\u001b[";

describe("db:status", () => {
  let db: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-status-"));
    env = { DATABASE_URL: db.url, BACKUP_DIR: dir, GITHUB_ACTIONS: "", ALERT_WEBHOOK_URL: "" };
  });
  after(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("with no backup: says so, and --max-age exits 1 with an alert that reaches the webhook", async () => {
    const plain = await runScript("db-status", [], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /no backup set in .* run: pnpm run db:backup/);

    const server = await startWebhookServer([200]);
    try {
      const result = await runScript("db-status", ["--max-age", "26h"], { ...env, ALERT_WEBHOOK_URL: server.url });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /ALERT error: No database backup found in .* \(limit 1d 2h 0m\)/);
      assert.equal(server.requests.length, 1);
      assert.match(JSON.parse(server.requests[0]!.body).text, /No database backup found/);
    } finally {
      await server.close();
    }
  });

  it("a failing webhook neither hides the alert nor changes the exit code", async () => {
    const server = await startWebhookServer([], 500);
    try {
      const result = await runScript("db-status", ["--max-age", "26h"], { ...env, ALERT_WEBHOOK_URL: server.url, ALERT_WEBHOOK_RETRIES: "1" });
      assert.equal(result.code, 1, "the same exit code as without a webhook");
      assert.match(result.stderr, /ALERT error: No database backup found/);
      assert.match(result.stderr, /could not be delivered to ALERT_WEBHOOK_URL .*HTTP 500 .*after 2 attempt/);
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });

  it("compares row counts now with the latest backup, and reports its age, kind and verification", async () => {
    await backupAged(db.target, dir, { kind: "pre-migration", ageMs: 2 * HOUR });
    await db.pool.query(`DELETE FROM "Like" WHERE id IN (SELECT id FROM "Like" ORDER BY id LIMIT 4)`);
    await db.pool.query(`INSERT INTO "Achievement" (id, name, description, category, requirement) VALUES ('ach_new', 'New', 'x', 'SPECIAL', '{}')`);
    await db.pool.query(`CREATE TABLE "audit_log" (id int PRIMARY KEY)`);

    const result = await runScript("db-status", ["--json", "--max-age", "26h"], env);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as StatusReport;
    const row = (table: string) => report.tables.find((t) => t.table === table)!;
    const likes = Number((await db.pool.query(`SELECT count(*) FROM "Like"`)).rows[0].count);
    assert.deepEqual(row("Like"), { table: "Like", now: likes, backup: likes + 4, change: -4 });
    assert.equal(row("Achievement").change, 1);
    assert.deepEqual(row("audit_log"), { table: "audit_log", now: 0, backup: null, change: null });
    assert.equal(row("User").change, 0);
    assert.equal(report.latestBackup?.kind, "pre-migration");
    assert.equal(report.latestBackup?.verification.state, "ok");
    assert.ok(report.latestBackup!.ageMs >= 2 * HOUR && report.latestBackup!.ageMs < 3 * HOUR);
    assert.deepEqual(report.freshness, { maxAgeMs: 26 * HOUR, ok: true });
    assert.ok(report.migrations.applied.length >= 3);
    assert.deepEqual(report.migrations.pending, []);
    assert.ok(report.health.some((check) => check.name === "points totals vs point transactions"));

    // The human view went to stderr: an aligned table, no colour when not a terminal.
    assert.doesNotMatch(result.stderr, new RegExp(ESC.replace("[", "\\[")));
    const likeLine = result.stderr.split("\n").find((line) => /^\s+Like\s/.test(line))!;
    const userLine = result.stderr.split("\n").find((line) => /^\s+User\s/.test(line))!;
    assert.match(likeLine, /-4$/);
    assert.equal(likeLine.length, userLine.length, "columns are aligned");
    assert.match(result.stderr, /verification\s+verified/);
    assert.match(result.stderr, /kind\s+pre-migration/);
  });

  it("--max-age exits 1 and alerts when the newest backup is too old", async () => {
    const stale = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-status-stale-"));
    try {
      await backupAged(db.target, stale, { ageMs: 30 * HOUR + 5 * 60_000 });
      const result = await runScript("db-status", ["--max-age", "26h", "--no-verify"], { ...env, BACKUP_DIR: stale });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /ALERT error: The newest database backup is 1d 6h 5m old \(limit 1d 2h 0m\)/);
      assert.match(result.stdout, /the newest backup is older than --max-age/);
      assert.match(result.stdout, /verification\s+not checked/);
      const fresh = await runScript("db-status", ["--max-age", "31h", "--no-verify"], { ...env, BACKUP_DIR: stale });
      assert.equal(fresh.code, 0, fresh.stderr);
    } finally {
      await rm(stale, { recursive: true, force: true });
    }
  });

  it("shows the newest set's restore drill; --max-drill-age exits 1 and alerts when no drill passed recently enough", async () => {
    const drills = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-status-drills-"));
    try {
      const older = await backupAged(db.target, drills, { ageMs: 3 * DAY });
      const newest = await backupAged(db.target, drills, { ageMs: HOUR });
      const status = (args: string[]) => runScript("db-status", ["--no-verify", ...args], { ...env, BACKUP_DIR: drills });

      const never = await status(["--max-drill-age", "8d"]);
      assert.equal(never.code, 1);
      assert.match(never.stdout, /restore drill\s+this set was never drilled \(pnpm run db:restore-drill\)/);
      assert.match(never.stderr, /ALERT error: No restore drill has passed in /);
      assert.match(never.stdout, /no restore drill passed within --max-drill-age — run: pnpm run db:restore-drill --from latest/);

      // The older set passed its drill 2 days ago; the newest one's failed an hour ago.
      await plantDrillReport(older.summaryPath, older.summary, { outcome: "passed", ageMs: 2 * DAY });
      await plantDrillReport(newest.summaryPath, newest.summary, { outcome: "failed", ageMs: HOUR, failure: "tables-created: handmade is in the set but no migration creates it" });
      const failed = await status(["--max-drill-age", "8d", "--json"]);
      assert.equal(failed.code, 0, failed.stderr);
      assert.match(failed.stderr, /restore drill\s+FAILED 1h 0m ago: tables-created: handmade is in the set but no migration creates it \(restore-drill-[^)]+\); newest passed drill 2d 0m ago/);
      const report = JSON.parse(failed.stdout) as StatusReport;
      assert.equal(report.drills.latestSet?.outcome, "failed");
      assert.equal(report.drills.newestPassed?.setTimestamp, older.summary.timestamp);
      assert.deepEqual(report.drillFreshness, { maxAgeMs: 8 * DAY, ok: true });

      const stale = await status(["--max-drill-age", "1d"]);
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /ALERT error: The newest passed restore drill is 2d 0m old \(limit 1d 0m\)/);
      assert.match(stale.stderr, /the newest set's drill failed: tables-created/);

      await plantDrillReport(newest.summaryPath, newest.summary, { outcome: "passed", ageMs: 10 * 60_000 });
      const passed = await status(["--max-drill-age", "1d"]);
      assert.equal(passed.code, 0, passed.stderr);
      assert.match(passed.stdout, /restore drill\s+passed 10m ago \(restore-drill-/);
      // A file named like a drill report that is not one is ignored.
      await writeFile(path.join(drills, `restore-drill-${newest.summary.timestamp}-at-2099-01-01T00-00-00-000Z.json`), "not json");
      assert.match((await status([])).stdout, /restore drill\s+passed 10m ago/);
      const bad = await status(["--max-drill-age", "soon"]);
      assert.equal(bad.code, 2);
    } finally {
      await rm(drills, { recursive: true, force: true });
    }
  });

  it("shows a backup whose files no longer match their checksums as FAILED", async () => {
    const tampered = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-status-tampered-"));
    try {
      const { summaryPath, summary } = await backupAged(db.target, tampered, { tables: ["Achievement"] });
      const file = path.join(path.dirname(summaryPath), summary.tables[0]!.file);
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace("First Follow", "First Folloz"));
      const result = await runScript("db-status", ["--json"], { ...env, BACKUP_DIR: tampered });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as StatusReport;
      assert.equal(report.latestBackup?.verification.state, "failed");
      assert.ok(report.latestBackup!.verification.problems.some((p) => p.file.includes(summary.tables[0]!.file)));
      assert.match(result.stderr, /verification\s+FAILED/);
    } finally {
      await rm(tampered, { recursive: true, force: true });
    }
  });

  it("verifies an encrypted set with BACKUP_ENCRYPTION_KEY, and says why it did not when the key is missing", async () => {
    const encrypted = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-status-encrypted-"));
    try {
      const key = "status test key — not a real secret";
      await createBackup({ target: db.target, outDir: encrypted, kind: "manual", tables: ["Achievement"], encryptionKey: key });
      const withKey = await runScript("db-status", ["--json"], { ...env, BACKUP_DIR: encrypted, BACKUP_ENCRYPTION_KEY: key });
      assert.equal(withKey.code, 0, withKey.stderr);
      const report = JSON.parse(withKey.stdout) as StatusReport;
      assert.equal(report.latestBackup?.encrypted, true);
      assert.equal(report.latestBackup?.verification.state, "ok");
      const withoutKey = await runScript("db-status", ["--json"], { ...env, BACKUP_DIR: encrypted, BACKUP_ENCRYPTION_KEY: "" });
      assert.equal(withoutKey.code, 0, withoutKey.stderr);
      const unchecked = (JSON.parse(withoutKey.stdout) as StatusReport).latestBackup!.verification;
      assert.equal(unchecked.state, "not checked");
      assert.match(unchecked.reason!, /is encrypted: set BACKUP_ENCRYPTION_KEY/);
      assert.match(withoutKey.stderr, /verification\s+not checked \(.*is encrypted: set BACKUP_ENCRYPTION_KEY/);
    } finally {
      await rm(encrypted, { recursive: true, force: true });
    }
  });

  it("names an applied migration whose file no longer matches its recorded checksum", async () => {
    const { rows } = await db.pool.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name LIMIT 1`,
    );
    const first = rows[0]!;
    await db.pool.query(`UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = $1`, [first.migration_name]);
    try {
      const result = await runScript("db-status", ["--no-verify"], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`edited after applied\\s+1: ${first.migration_name}`));
      assert.match(result.stdout, /restore its applied version from git/);
    } finally {
      await db.pool.query(`UPDATE _prisma_migrations SET checksum = $2 WHERE migration_name = $1`, [first.migration_name, first.checksum]);
    }
  });

  it("exits 2 on a bad --max-age or a missing DATABASE_URL", async () => {
    const bad = await runScript("db-status", ["--max-age", "soon"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-age must be a duration such as 26h/);
    const unset = await runScript("db-status", [], { ...env, DATABASE_URL: "" });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /DATABASE_URL is not set/);
  });

  it("colours only on a terminal, and never with NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    assert.ok(painterFor(tty, {})("bad", "x").includes(ESC));
    assert.equal(painterFor(tty, { NO_COLOR: "1" })("bad", "x"), "x");
    assert.equal(painterFor(pipe, {})("bad", "x"), "x");
  });
});
