// db:restore-drill on the project's schema: drills that pass (a plain set on
// the embedded PostgreSQL, a gzip + encrypted set, a set in the S3
// repository) and drills that must fail, each for its reason — and none
// leaves a directory, a process or a database behind.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import type { DrillReport } from "../../scripts/lib/drill/index.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { editSummary, entryOf, fileOf, flipByte, sha256, tempDir, copySet, removeDir } from "../backup/support.ts";
import { runScript } from "../helpers/cli.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { emptyLocation, s3Location } from "../helpers/s3.ts";
import { assertNothingLeft, checkOf, drillTempDir, runDrill } from "./support.ts";

const KEY = "drill test passphrase 2026";

describe("db:restore-drill", () => {
  let db: TestDatabase;
  let outDir: string;
  let tmp: string;
  let plain: { summaryPath: string; summary: BackupSummary };
  const scratch: string[] = [];
  const env = () => ({ TMPDIR: tmp, BACKUP_ENCRYPTION_KEY: "" });
  const onServer = ["--server", adminUrl()];

  /** A copy of the plain set to damage. */
  async function copyOfPlain(label: string): Promise<string> {
    const summaryPath = await copySet(plain.summaryPath, label);
    scratch.push(path.dirname(summaryPath));
    return summaryPath;
  }

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 40 });
    outDir = await tempDir("drill");
    tmp = drillTempDir();
    plain = await createBackup({ target: db.target, outDir, kind: "manual" });
  });
  after(async () => {
    await db.drop();
    await removeDir(outDir);
    for (const dir of scratch) await removeDir(dir);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("passes on the project's schema with seeded data, on the embedded PostgreSQL 17; the report is beside the set (0600); nothing is left", async () => {
    const run = await runDrill(["--from", plain.summaryPath], env());
    assert.equal(run.code, 0, run.stderr);
    const report = run.report!;
    assert.equal(report.outcome, "passed");
    assert.equal(report.failure, null);
    assert.equal(report.server?.kind, "embedded");
    assert.match(report.server!.version, /^17\./);
    assert.deepEqual(
      report.checks.map((check) => [check.name, check.outcome]),
      [
        ["summary", "passed"],
        ["migration-files", "passed"],
        ["migrations-applied", "passed"],
        ["tables-created", "passed"],
        ["restore", "passed"],
        ["row-counts", "passed"],
        ["row-digests", "passed"],
        ["foreign-keys", "passed"],
        ["unique-indexes", "passed"],
        ["sequences", "passed"],
        ["schema", "passed"],
      ],
    );
    assert.match(checkOf(report, "foreign-keys").detail, /^all 11 foreign keys hold/);
    const tables = plain.summary.tables.filter((t) => t.name !== "_prisma_migrations");
    assert.deepEqual(
      report.tables.map((t) => [t.table, t.restoredRows, t.digest]),
      tables.map((t) => [t.name, t.rows, "matched"]),
    );
    assert.equal(report.migrations.length, plain.summary.migrations.applied.length);
    // Progress per step, on stderr when --json owns stdout.
    for (const step of ["starting a throwaway embedded PostgreSQL", "rebuilding the set's schema: 3 migrations", "restoring the set", "comparing the restored schema"]) {
      assert.ok(run.stderr.includes(step), `${step} in:\n${run.stderr}`);
    }
    assert.ok(report.reportPath && path.dirname(report.reportPath) === path.dirname(plain.summaryPath), String(report.reportPath));
    assert.match(path.basename(report.reportPath), new RegExp(`^restore-drill-${plain.summary.timestamp}-at-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z\\.json$`));
    assert.equal(statSync(report.reportPath).mode & 0o777, 0o600);
    const written = JSON.parse(await readFile(report.reportPath, "utf8")) as DrillReport;
    assert.deepEqual(written, report);
    await assertNothingLeft(tmp, { databases: true });
  });

  it("passes on a gzip + encrypted set, its summary authenticated (on --server)", async () => {
    const set = await createBackup({ target: db.target, outDir: await tempDir("drill-enc"), kind: "manual", gzip: true, encryptionKey: KEY });
    scratch.push(path.dirname(set.summaryPath));
    const run = await runDrill(["--from", set.summaryPath, ...onServer], { ...env(), BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.report!.outcome, "passed");
    assert.equal(run.report!.server?.kind, "server");
    assert.match(checkOf(run.report!, "summary").detail, /^authenticated: its HMAC holds/);
    assert.ok(run.report!.tables.every((t) => t.digest === "matched"));
    const withoutKey = await runDrill(["--from", set.summaryPath, ...onServer], env());
    assert.equal(withoutKey.code, 2, "an encrypted set without the key is a configuration error");
    assert.match(withoutKey.stderr, /is encrypted: set BACKUP_ENCRYPTION_KEY/);
    await assertNothingLeft(tmp, { databases: true });
  });

  it("passes on a set in the S3 repository and writes its report there, beside the set", async () => {
    const location = s3Location("drill");
    try {
      await createBackup({ target: db.target, outDir: location, kind: "scheduled", gzip: true });
      const run = await runDrill(["--from", "latest", "--dir", location, ...onServer], env());
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.report!.outcome, "passed");
      assert.ok(run.report!.reportPath!.startsWith(`${location}/restore-drill-`), run.report!.reportPath!);
      const status = await runDrillStatus(location);
      assert.match(status, /restore drill\s+passed \S+ ago \(restore-drill-/);
    } finally {
      await emptyLocation(location);
    }
    await assertNothingLeft(tmp, { databases: true });
  });

  async function runDrillStatus(location: string): Promise<string> {
    const status = await runScript("db-status", ["--dir", location, "--no-verify", "--max-drill-age", "8d"], { DATABASE_URL: db.url });
    assert.equal(status.code, 0, status.stderr);
    return status.stdout;
  }

  it("db:status trusts an encrypted set's drill report only under its HMAC, and a report only for the summary it drilled", async () => {
    const dir = await tempDir("drill-report-auth");
    scratch.push(dir);
    const set = await createBackup({ target: db.target, outDir: dir, kind: "manual", encryptionKey: KEY });
    const run = await runDrill(["--from", set.summaryPath, ...onServer], { ...env(), BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(run.code, 0, run.stderr);
    const reportPath = run.report!.reportPath!;
    const genuine = await readFile(reportPath, "utf8");
    const status = (key: string) => runScript("db-status", ["--dir", dir, "--no-verify", "--max-drill-age", "8d"], { DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: key });
    const drillLine = (result: { stdout: string }) => result.stdout.split("\n").find((line) => line.includes("restore drill")) ?? "";

    const trusted = await status(KEY);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.match(drillLine(trusted), /passed \S+ ago \(restore-drill-/);
    const withoutKey = await status("");
    assert.equal(withoutKey.code, 1, "a report that cannot be authenticated proves no drill passed");
    assert.match(drillLine(withoutKey), /passed \S+ ago by its report, which is not authenticated: set BACKUP_ENCRYPTION_KEY to check it/);
    const otherKey = await status(`${KEY} but not it`);
    assert.equal(otherKey.code, 1, "a report that cannot be authenticated proves no drill passed");
    assert.match(drillLine(otherKey), /passed \S+ ago by its report, which is not authenticated: BACKUP_ENCRYPTION_KEY is not this set's key: set the one it was made with to check it/);

    // Written by someone without the key: a report of a passed drill, edited (its HMAC no longer holds).
    const forged = JSON.parse(genuine) as DrillReport;
    forged.finishedAt = new Date().toISOString();
    writeFileSync(reportPath, JSON.stringify(forged, null, 2));
    const refused = await status(KEY);
    assert.equal(refused.code, 1);
    assert.match(drillLine(refused), /this set was never drilled/);

    // The genuine report, but the summary has changed since (re-signed with the key): the report is not of this summary.
    writeFileSync(reportPath, genuine);
    await editSummary(set.summaryPath, (summary) => void (summary.kind = "scheduled"), { resignWith: KEY });
    const otherSummary = await status(KEY);
    assert.equal(otherSummary.code, 1);
    assert.match(drillLine(otherSummary), /this set was never drilled/);
  });

  it("fails an encrypted set drilled with a wrong key, and db:status does not count that report under the right key", async () => {
    const dir = await tempDir("drill-wrong-key");
    scratch.push(dir);
    const set = await createBackup({ target: db.target, outDir: dir, kind: "manual", encryptionKey: KEY });
    const run = await runDrill(["--from", set.summaryPath, ...onServer], { ...env(), BACKUP_ENCRYPTION_KEY: `${KEY} but not it` });
    assert.notEqual(run.code, 0, "a drill with the wrong key proves nothing");
    assert.equal(run.report!.outcome, "failed");
    assert.notEqual(checkOf(run.report!, "summary").outcome, "passed");
    const status = await runScript("db-status", ["--dir", dir, "--no-verify", "--max-drill-age", "8d"], { DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(status.code, 1, "no drill of this set passed");
    assert.doesNotMatch(status.stdout.split("\n").find((line) => line.includes("restore drill")) ?? "", /passed/);
    await assertNothingLeft(tmp, { databases: true });
  });

  it("fails on a damaged file, naming it; alerts; writes a failed report; leaves nothing", async () => {
    const summaryPath = await copyOfPlain("drill-damaged");
    const likes = entryOf(plain.summary, "Like");
    await flipByte(fileOf(summaryPath, likes), 40);
    const run = await runDrill(["--from", summaryPath, ...onServer], env());
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.report!.outcome, "failed");
    assert.match(run.report!.failure!, new RegExp(`^restore: the backup set .* is damaged, nothing was changed — ${likes.file}: SHA-256 differs`));
    assert.equal(checkOf(run.report!, "restore").outcome, "failed");
    assert.match(run.stderr, /ALERT error: Restore drill failed: /);
    assert.ok(readdirSync(path.dirname(summaryPath)).some((name) => name.startsWith("restore-drill-")), "the failed drill's report is beside the set");
    await assertNothingLeft(tmp, { databases: true });
  });

  describe("a project whose migrations changed since the backup", () => {
    let project: ScratchProject;
    before(() => {
      project = createScratchProject(path.join(tmp, "..", `${path.basename(tmp)}-project`));
    });
    after(() => project.remove());

    it("fails when a migration was edited after the backup, naming it", async () => {
      const [first] = plain.summary.migrations.applied;
      const file = path.join(project.migrationsDir, first!, "migration.sql");
      appendFileSync(file, "\n-- an innocent-looking edit\n");
      try {
        const run = await runDrill(["--from", plain.summaryPath, "--config", project.config, ...onServer], env());
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.report!.failure!, new RegExp(`^migration-files: migration ${first} was edited after the backup was taken \\(${file.replaceAll("/", "\\/")} differs`));
        assert.equal(run.report!.checks.find((c) => c.name === "restore"), undefined, "nothing was restored");
      } finally {
        writeFileSync(file, await readFile(path.join(PROJECT_ROOT, "prisma", "migrations", first!, "migration.sql")));
      }
      await assertNothingLeft(tmp, { databases: true });
    });

    it("fails when a migration directory is missing, naming it", async () => {
      const last = plain.summary.migrations.applied.at(-1)!;
      rmSync(path.join(project.migrationsDir, last), { recursive: true });
      const run = await runDrill(["--from", plain.summaryPath, "--config", project.config, ...onServer], env());
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.report!.failure!, new RegExp(`^migration-files: migration ${last} was applied when the backup was taken but its directory is missing`));
      await assertNothingLeft(tmp, { databases: true });
    });
  });

  it("fails on a table no migration creates, naming it; --exclude-tables leaves it out and says so", async () => {
    const other = await createTestDatabase();
    try {
      await seedDatabase(other.pool, { users: 5 });
      await other.pool.query(`CREATE TABLE handmade (id int PRIMARY KEY, note text); INSERT INTO handmade VALUES (1, 'made by hand')`);
      const set = await createBackup({ target: other.target, outDir: await tempDir("drill-handmade"), kind: "manual" });
      scratch.push(path.dirname(set.summaryPath));
      const failed = await runDrill(["--from", set.summaryPath, ...onServer], env());
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.report!.failure!, /^tables-created: handmade is in the set but no migration creates it \(made by hand, by an extension or by a script\)[^]*--exclude-tables handmade$/);
      const excluded = await runDrill(["--from", set.summaryPath, "--exclude-tables", "handmade", ...onServer], env());
      assert.equal(excluded.code, 0, excluded.stderr);
      assert.deepEqual(excluded.report!.excludedTables, ["handmade"]);
      assert.ok(!excluded.report!.tables.some((t) => t.table === "handmade"));
      assert.match(excluded.stderr, /excluded \(--exclude-tables, not restored nor checked\): handmade/);
      const unknown = await runDrill(["--from", set.summaryPath, "--exclude-tables", "nosuch", ...onServer], env());
      assert.equal(unknown.code, 2);
    } finally {
      await other.drop();
    }
    await assertNothingLeft(tmp, { databases: true });
  });

  it("fails on an encrypted set whose file and summary checksums were rewritten by someone without the key", async () => {
    const set = await createBackup({ target: db.target, outDir: await tempDir("drill-forged"), kind: "manual", encryptionKey: KEY });
    scratch.push(path.dirname(set.summaryPath));
    const users = entryOf(set.summary, "User");
    await flipByte(fileOf(set.summaryPath, users), 60);
    const forged = await readFile(fileOf(set.summaryPath, users));
    await editSummary(set.summaryPath, (summary) => Object.assign(summary.tables.find((t) => t.name === "User")!, { sha256: sha256(forged) }));
    const run = await runDrill(["--from", set.summaryPath, ...onServer], { ...env(), BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.report!.failure!, /^summary: .*the summary failed authentication \(its HMAC does not match\): it was edited after the backup by someone without the key/);
    assert.equal(run.report!.server, null, "stopped before any server was started");
    await assertNothingLeft(tmp, { databases: true });
  });

  it("fails when the restored rows differ from the digest recorded at backup time; a set without digests is compared by count", async () => {
    const summaryPath = await copyOfPlain("drill-digest");
    await editSummary(summaryPath, (summary) => void (summary.tables.find((t) => t.name === "Comment")!.rowDigest = "xxh64-sum:0123456789abcdef"));
    const run = await runDrill(["--from", summaryPath, ...onServer], env());
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.report!.failure, "row-digests: Comment: the restored rows' digest differs from the one recorded at backup time");
    assert.equal(checkOf(run.report!, "schema").outcome, "passed", "the other checks still ran");

    const older = await copyOfPlain("drill-no-digest");
    await editSummary(older, (summary) => summary.tables.forEach((t) => delete t.rowDigest));
    const counted = await runDrill(["--from", older, ...onServer], env());
    assert.equal(counted.code, 0, counted.stderr);
    assert.deepEqual(checkOf(counted.report!, "row-digests"), {
      name: "row-digests",
      outcome: "skipped",
      detail: "the set was written before row digests were recorded: only the counts were compared",
    });
    await assertNothingLeft(tmp, { databases: true });
  });

  it("interrupted (Ctrl-C) while it restores: exit 130, the embedded server stopped, its directory removed, no report", async () => {
    const summaryPath = await copyOfPlain("drill-interrupted");
    const reports = () => readdirSync(path.dirname(summaryPath)).filter((name) => name.startsWith("restore-drill-"));
    const before = reports();
    const child = spawn(process.execPath, scriptArgs("db-restore-drill", ["--from", summaryPath]), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: "", ...env() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("rebuilding the set's schema")) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      void exited.then(() => resolve());
    });
    child.kill("SIGINT");
    assert.equal(await exited, 130, output);
    assert.deepEqual(reports(), before, "no report for an interrupted drill");
    await assertNothingLeft(tmp, { databases: true });
  });
});
