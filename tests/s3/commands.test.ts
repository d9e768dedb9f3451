// Every command with a bucket as its backup location, run as a user runs it
// (a child process, the location as --out/--dir/--from/--backup-dir or
// BACKUP_DIR, the server reached through the standard AWS_* variables), on
// the suite's real S3 server. The round trips are compared in SQL.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readSummary, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import type { RestoreReport } from "../../scripts/lib/restore/index.ts";
import type { PruneReport } from "../../scripts/lib/retention/prune.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import type { StatusReport } from "../../scripts/lib/status/status.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { emptyLocation, objectNames, putObjects, s3Location } from "../helpers/s3.ts";
import { createExtraTables, fillHardValues, tableDigests } from "../restore/fixtures.ts";

type Summary = BackupSummary & { summaryPath: string };

function namesOf(summary: Summary): string[] {
  return [path.basename(summary.summaryPath), ...summary.tables.map((table) => table.file)];
}

describe("every command against an S3 bucket", () => {
  let source: TestDatabase;
  let location: string;
  let first: Summary;

  before(async () => {
    source = await createTestDatabase();
    await createExtraTables(source.pool);
    await seedDatabase(source.pool, { users: 80 });
    await fillHardValues(source.pool, 0);
    location = s3Location("commands");
  });
  after(async () => {
    await source.drop();
    await emptyLocation(location);
  });

  it("db:backup --out s3://…: every table in the bucket, the summary last, the location printed", async () => {
    const result = await runScript("db-backup", ["--out", location, "--gzip", "--json"], { DATABASE_URL: source.url });
    assert.equal(result.code, 0, result.stderr);
    first = JSON.parse(result.stdout) as Summary;
    assert.match(first.summaryPath, new RegExp(`^${location}/backup-summary-\\d{4}-.*\\.json$`));
    assert.match(result.stderr, new RegExp(`into ${location} \\(manual\\)`));
    assert.match(result.stderr, new RegExp(`backup set complete: ${location}/backup-summary-`));
    assert.deepEqual(await objectNames(location), namesOf(first).sort());
    assert.equal(first.counts.User, Number((await source.pool.query(`SELECT count(*) FROM "User"`)).rows[0].count));
    assert.deepEqual(await readSummary(first.summaryPath), (({ summaryPath: _, ...summary }) => summary)(first));
  });

  it("db:verify-backup latest --dir s3://… re-reads every file from the bucket and compares with the database", async () => {
    const result = await runScript("db-verify-backup", ["latest", "--dir", location, "--against-db", "--json"], { DATABASE_URL: source.url });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { summaryPath: string; ok: boolean; tables: { rows: number; expectedRows: number }[]; drift: { tables: { change: number }[] } };
    assert.equal(report.summaryPath, first.summaryPath);
    assert.equal(report.ok, true);
    assert.ok(report.tables.every((table) => table.rows === table.expectedRows));
    assert.ok(report.drift.tables.every((table) => table.change === 0));
  });

  it("db:restore --from s3://…/backup-summary-….json restores into an empty database, identical in SQL", async () => {
    const target = await createTestDatabase();
    try {
      await createExtraTables(target.pool);
      const result = await runScript("db-restore", ["--from", first.summaryPath, "--json"], { DATABASE_URL: target.url });
      assert.equal(result.code, 0, result.stderr);
      assert.equal((JSON.parse(result.stdout) as RestoreReport).from, first.summaryPath);
      assert.deepEqual(await tableDigests(target.pool), await tableDigests(source.pool));
    } finally {
      await target.drop();
    }
  });

  it("an encrypted set: written to and restored from the bucket with BACKUP_ENCRYPTION_KEY, refused without it", async () => {
    const key = "correct horse battery staple s3";
    const encrypted = s3Location("encrypted");
    const [small, target] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      await seedDatabase(small.pool, { users: 30 });
      const backup = await runScript("db-backup", ["--out", encrypted, "--gzip"], { DATABASE_URL: small.url, BACKUP_ENCRYPTION_KEY: key });
      assert.equal(backup.code, 0, backup.stderr);
      assert.ok((await objectNames(encrypted)).every((name) => name.startsWith("backup-summary-") || name.endsWith(".json.gz.enc")));
      const withoutKey = await runScript("db-restore", ["--from", "latest", "--dir", encrypted], { DATABASE_URL: target.url });
      assert.equal(withoutKey.code, 2);
      assert.match(withoutKey.stderr, /encrypted: set BACKUP_ENCRYPTION_KEY/);
      const restored = await runScript("db-restore", ["--from", "latest", "--dir", encrypted], { DATABASE_URL: target.url, BACKUP_ENCRYPTION_KEY: key });
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(await tableDigests(target.pool), await tableDigests(small.pool));
    } finally {
      await Promise.all([small.drop(), target.drop(), emptyLocation(encrypted)]);
    }
  });

  it("db:status and db:backup-report (BACKUP_DIR=s3://…) read the newest set and compare it with the one before", async () => {
    await source.pool.query(`DELETE FROM "Comment" WHERE id IN (SELECT id FROM "Comment" ORDER BY id LIMIT 4)`);
    const second = await runScript("db-backup", ["--kind", "scheduled"], { DATABASE_URL: source.url, BACKUP_DIR: location });
    assert.equal(second.code, 0, second.stderr);

    const status = await runScript("db-status", ["--json", "--max-age", "1h"], { DATABASE_URL: source.url, BACKUP_DIR: location });
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as StatusReport;
    assert.equal(report.backupDir, location);
    assert.equal(report.latestBackup?.kind, "scheduled");
    assert.equal(report.latestBackup?.verification.state, "ok");
    assert.deepEqual(report.incompleteSets, []);
    assert.ok(report.tables.every((row) => row.change === 0), "the newest set matches the database");

    const markdown = await runScript("db-backup-report", ["--markdown"], { BACKUP_DIR: location });
    assert.equal(markdown.code, 0, markdown.stderr);
    const comments = Number((await source.pool.query(`SELECT count(*) FROM "Comment"`)).rows[0].count);
    assert.ok(markdown.stdout.includes(`| Comment | ${comments} | ${comments + 4} | -4 |`), markdown.stdout);
    assert.ok(markdown.stdout.includes(`| compared with | \`${path.basename(first.summaryPath)}\` |`), markdown.stdout);
    const list = await runScript("db-backup-report", ["--list", "--json"], { BACKUP_DIR: location });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { summaryPath: string }[]).map((set) => set.summaryPath).at(-1), first.summaryPath);
    assert.match(markdown.stdout, /```mermaid\nxychart-beta\n {2}title "User rows"\n {2}x-axis \["[^"]+", "[^"]+"\]\n {2}y-axis "rows"\n {2}line \[10580, 10580\]\n```/);
  });

  it("db:restore --mode replace --yes --dir s3://…: the pre-restore backup of what it overwrote goes to the bucket", async () => {
    const target = await createTestDatabase();
    try {
      await seedDatabase(target.pool, { users: 5 });
      const before = (await objectNames(location)).length;
      const result = await runScript("db-restore", ["--from", first.summaryPath, "--dir", location, "--mode", "replace", "--yes", "--tables", "User,Follow,Comment,Like,PointTransaction,DailyPointsLog,UserAchievement", "--json"], {
        DATABASE_URL: target.url,
      });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as RestoreReport;
      assert.match(report.preRestoreBackup ?? "", new RegExp(`^${location}/backup-summary-`));
      const preRestore = await readSummary(report.preRestoreBackup!);
      assert.equal(preRestore.kind, "pre-restore");
      assert.equal(preRestore.counts.User, 5);
      assert.equal((await objectNames(location)).length, before + preRestore.tables.length + 1);
    } finally {
      await target.drop();
    }
  });

  it("db:pre-migration-backup and db:migrate-deploy --backup-dir s3://…: the pre-migration set and the run report land in the bucket", async () => {
    const dir = s3Location("deploy");
    const project: ScratchProject = createScratchProject(mkdtempSync(path.join(os.tmpdir(), "pdg-s3-migrations-")));
    const db = await createTestDatabase();
    try {
      await seedDatabase(db.pool, { users: 10 });
      const manual = await runScript("db-pre-migration-backup", ["--out", dir], { DATABASE_URL: db.url });
      assert.equal(manual.code, 0, manual.stderr);
      project.addMigration("20990102000000_add_user_nickname", 'ALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
      const deploy = await runScript("db-migrate-deploy", ["--config", project.config, "--backup-dir", dir, "--json"], { DATABASE_URL: db.url });
      assert.equal(deploy.code, 0, deploy.stderr);
      const run = JSON.parse(deploy.stdout) as { outcome: string; backup: { summaryPath: string }; reportPath: string };
      assert.equal(run.outcome, "applied");
      assert.match(run.backup.summaryPath, new RegExp(`^${dir}/backup-summary-`));
      assert.equal((await readSummary(run.backup.summaryPath)).migrations.pending.join(), "20990102000000_add_user_nickname");
      assert.match(run.reportPath, new RegExp(`^${dir}/migration-report-.*\\.json$`));
      const names = await objectNames(dir);
      assert.ok(names.includes(path.basename(run.reportPath)), names.join(", "));
      assert.equal(names.filter((name) => name.startsWith("backup-summary-")).length, 2);
    } finally {
      await db.drop();
      project.remove();
      await emptyLocation(dir);
    }
  });

  it("db:prune-backups --dir s3://… deletes whole sets only; a foreign object under the prefix survives", async () => {
    const foreign = { "notes.txt": "restore drill went fine\n", "users-backup-copy-for-analytics.json": "[]\n" };
    await putObjects(location, foreign);
    const sets = (await objectNames(location)).filter((name) => name.startsWith("backup-summary-")).sort();
    const result = await runScript("db-prune-backups", ["--dir", location, "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    // Kept: the newest set, which is also the newest pre-restore set; the older ones go.
    assert.deepEqual(report.kept.map((set) => path.basename(set.summaryPath)), [sets.at(-1)], result.stderr);
    assert.equal(report.deleted.length, sets.length - 1, result.stderr);
    assert.deepEqual(report.refused, []);
    const left = await objectNames(location);
    for (const name of Object.keys(foreign)) assert.ok(left.includes(name), `${name} survives`);
    const keptSets = await Promise.all(report.kept.map(async (set) => ({ ...(await readSummary(set.summaryPath)), summaryPath: set.summaryPath })));
    assert.deepEqual(left, [...keptSets.flatMap(namesOf), ...Object.keys(foreign)].sort(), "exactly the kept sets and the foreign objects");
  });
});
