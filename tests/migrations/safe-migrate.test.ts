// db:safe-migrate end to end on real PostgreSQL with real migrations:
// (a) a safe migration applies with counts unchanged; (b) a DROP COLUMN that
// still holds data is blocked, passes with --allow-data-loss, and rows that
// vanish raise the alert with rollback guidance; (c) a failed migration in
// _prisma_migrations is refused; (d) --dry-run leaves the database untouched.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { lintMigrations } from "../../scripts/lib/migrations/lint.ts";
import { MIGRATION_LOCK_KEY } from "../../scripts/lib/migrations/lock.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { seededProject } from "../helpers/scratch.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";

interface Report {
  outcome: string;
  pending: string[];
  backup: { summaryPath: string } | null;
  counts: { before: Record<string, number>; after: Record<string, number> } | null;
  unexpectedDecreases: Array<{ table: string; before: number; after: number }>;
  findings: Array<{ rule: string; severity: string; migration?: string; suppressed?: { reason: string; baseline?: string }; liveResult?: { summary: string; originalSeverity?: string } }>;
  guidance: string[];
  reportPath: string | null;
}

/** Everything a migration could change: columns, applied migrations, row counts. */
async function databaseState(db: TestDatabase): Promise<string> {
  const columns = await db.pool.query(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  const migrations = await db.pool.query(
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back, checksum
       FROM _prisma_migrations ORDER BY migration_name`,
  );
  const counts = await db.pool.query(
    `SELECT (SELECT count(*) FROM "User") AS users, (SELECT count(*) FROM "Follow") AS follows,
            (SELECT count(*) FROM "Comment") AS comments, (SELECT count(*) FROM "Like") AS likes`,
  );
  return JSON.stringify({ columns: columns.rows, migrations: migrations.rows, counts: counts.rows });
}

function safeMigrate(db: TestDatabase, project: ScratchProject, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return runScript("db-safe-migrate", ["--config", project.config, "--backup-dir", project.backupDir, ...args], { DATABASE_URL: db.url, ...env });
}

function reportOf(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe("db:safe-migrate", () => {
  let db: TestDatabase;
  let project: ScratchProject;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 60 });
    project = createScratchProject(mkdtempSync(path.join(os.tmpdir(), "pdg-migrations-")));
  });
  after(async () => {
    await db.drop();
    project.remove();
  });

  it("(d) --dry-run plans with live data and changes nothing (database, backups, report)", async () => {
    project.addMigration("20990101000000_drop_bio", '-- AlterTable\nALTER TABLE "User" DROP COLUMN "bio";\n');
    const stateBefore = await databaseState(db);
    const result = await safeMigrate(db, project, ["--dry-run"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /20990101000000_drop_bio/);
    const bios = (await db.pool.query(`SELECT count(*)::int AS n FROM "User" WHERE bio IS NOT NULL`)).rows[0].n as number;
    assert.ok(bios > 0);
    assert.match(result.stdout, new RegExp(`live data: ${bios} non-null values in public\\.User\\.bio would be lost`));
    assert.match(result.stdout, /Blocked: 1 data-loss finding/);
    assert.equal(await databaseState(db), stateBefore);
    assert.equal(existsSync(project.backupDir), false, "no backup and no report in a dry run");
    assert.doesNotMatch(result.stderr, /ALERT/, "a dry run is a preview: no alert");
  });

  it("(b) blocks the DROP COLUMN that still holds data: exit 1, alert, nothing changed", async () => {
    const stateBefore = await databaseState(db);
    const result = await safeMigrate(db, project, ["--json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = reportOf(result.stdout);
    assert.equal(report.outcome, "blocked");
    assert.deepEqual(report.findings.filter((f) => f.severity === "data-loss").map((f) => f.rule), ["drop-column"]);
    assert.match(result.stderr, /ALERT error: Destructive migration blocked on /);
    assert.equal(report.backup, null);
    assert.equal(await databaseState(db), stateBefore);
  });

  it("(b) applies it with --allow-data-loss after a pre-migration backup, with a warning alert", async () => {
    const result = await safeMigrate(db, project, ["--allow-data-loss", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result.stdout);
    assert.equal(report.outcome, "applied");
    assert.match(result.stderr, /ALERT warning: Destructive migration allowed on /);
    assert.ok(report.backup && existsSync(report.backup.summaryPath), "pre-migration backup summary exists");
    const summary = JSON.parse(readFileSync(report.backup.summaryPath, "utf8")) as { kind: string };
    assert.equal(summary.kind, "pre-migration");
    assert.deepEqual(report.counts!.after, report.counts!.before);
    const bio = await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'bio'`);
    assert.equal(bio.rowCount, 0);
    assert.ok(report.reportPath && existsSync(report.reportPath));
    assert.equal(JSON.parse(readFileSync(report.reportPath, "utf8")).outcome, "applied");
  });

  it("(a) applies a safe migration: exit 0, counts unchanged, report written", async () => {
    project.addMigration("20990102000000_nickname", 'SET lock_timeout = \'5s\';\nALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
    const result = await safeMigrate(db, project, ["--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result.stdout);
    assert.deepEqual(report.pending, ["20990102000000_nickname"]);
    assert.equal(report.outcome, "applied");
    assert.deepEqual(report.counts!.after, report.counts!.before);
    assert.ok(Object.values(report.counts!.before).some((n) => n > 0));
    assert.deepEqual(report.unexpectedDecreases, []);
    assert.doesNotMatch(result.stderr, /ALERT/);
    const nickname = await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'nickname'`);
    assert.equal(nickname.rowCount, 1);
  });

  it("says so and exits 0 when nothing is pending", async () => {
    const result = await safeMigrate(db, project);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Nothing to migrate on .*: all 5 migrations of .* are applied/);
  });

  it("a decrease the plan declared (the migration deletes from that table) is a warning alert, exit 0", async () => {
    project.addMigration("20990102500000_prune_likes", `DELETE FROM "Like" WHERE "createdAt" < '2025-05-02 00:10:00';\n`);
    const result = await safeMigrate(db, project, ["--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result.stdout) as Report & { decreases: Array<{ table: string; before: number; after: number; declared: boolean }> };
    assert.deepEqual(report.decreases.map((c) => [c.table, c.before - c.after, c.declared]), [["public.Like", 12, true]]);
    assert.deepEqual(report.unexpectedDecreases, []);
    assert.match(result.stderr, /ALERT warning: Row counts fell during the migration on .*, as the plan declared\n {2}public\.Like: \d+ -> \d+ \(declared by the plan\)/);
  });

  it("(b) alerts with per-table counts and the exact restore command when rows vanish beyond the plan", async () => {
    // Deleting the beta users is declared (User); the cascade into Follow, Comment, Like … is not.
    project.addMigration("20990103000000_purge_beta", 'DELETE FROM "User" WHERE "isOG";\n');
    const result = await safeMigrate(db, project, ["--json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = reportOf(result.stdout);
    assert.equal(report.outcome, "rows-lost");
    const vanished = report.unexpectedDecreases.map((change) => change.table).sort();
    assert.ok(vanished.includes("public.Follow") && vanished.includes("public.Comment"), vanished.join(", "));
    assert.ok(!vanished.includes("public.User"), "the plan declared the User deletions");
    for (const change of report.unexpectedDecreases) assert.ok(change.after < change.before);
    assert.match(result.stderr, /ALERT error: Rows vanished during the migration on .*public\.Comment/);
    assert.match(result.stderr, /public\.Follow: \d+ -> \d+/);
    const lost = report.unexpectedDecreases.map((change) => change.table.replace(/^public\./, "")).join(",");
    const restore = `pnpm run db:restore --from ${report.backup!.summaryPath} --mode replace --yes --tables ${lost}`;
    assert.ok(report.guidance.some((line) => line.includes(restore)), report.guidance.join("\n"));
    assert.ok(result.stderr.includes(restore));
  });

  it("catches a commented-out TRUNCATE that Prisma's adapter runs anyway (blocked by the analyzer, then caught by the counts)", async () => {
    project.addMigration("20990104000000_comment_split", '-- Old cleanup, kept for reference: DELETE FROM "Like"; TRUNCATE "Like";\nCREATE TABLE "Note" (body TEXT);\n');
    const blocked = await safeMigrate(db, project, ["--json"]);
    assert.equal(blocked.code, 1);
    assert.deepEqual(reportOf(blocked.stdout).findings.map((f) => f.rule), ["semicolon-in-comment"]);
    const likesBefore = (await db.pool.query(`SELECT count(*)::int AS n FROM "Like"`)).rows[0].n as number;
    assert.ok(likesBefore > 0);
    const forced = await safeMigrate(db, project, ["--allow-data-loss", "--json"]);
    assert.equal(forced.code, 1, forced.stderr);
    const report = reportOf(forced.stdout);
    assert.deepEqual(report.unexpectedDecreases.map((c) => [c.table, c.before, c.after]), [["public.Like", likesBefore, 0]]);
  });

  it("(c) a migration failing midway gets the guidance; the next run refuses with the resolve command", async () => {
    project.addMigration("20990105000000_broken", 'ALTER TABLE "User" ADD COLUMN "level" INTEGER;\nALTER TABLE "Nope" ADD COLUMN "x" INTEGER;\n');
    const failed = await safeMigrate(db, project, ["--json"]);
    assert.equal(failed.code, 1, failed.stderr);
    const report = reportOf(failed.stdout);
    assert.equal(report.outcome, "failed");
    assert.match(failed.stderr, /ALERT error: Migration failed on .*: 20990105000000_broken/);
    const level = await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'level'`);
    assert.equal(level.rowCount, 1, "the statement before the failing one stayed applied: the adapter runs no transaction");
    const resolve = `pnpm prisma migrate resolve --rolled-back 20990105000000_broken --config ${project.config}`;
    assert.ok(report.guidance.some((line) => line.includes(resolve)), report.guidance.join("\n"));

    const stateBefore = await databaseState(db);
    const refused = await safeMigrate(db, project);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: migration 20990105000000_broken failed earlier and is still marked failed in _prisma_migrations; nothing was changed\./m);
    assert.ok(refused.stderr.includes(resolve));
    assert.equal(await databaseState(db), stateBefore);
    // Recover as the message says, so the following tests start from a healthy history.
    await db.pool.query(`ALTER TABLE "User" DROP COLUMN "level"`);
    rmSync(path.join(project.migrationsDir, "20990105000000_broken"), { recursive: true });
    await db.pool.query(`DELETE FROM _prisma_migrations WHERE migration_name = '20990105000000_broken'`);
  });

  it("refuses when an applied migration's file was edited (checksum mismatch)", async () => {
    const file = path.join(project.migrationsDir, "20990102000000_nickname", "migration.sql");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, `${original}-- edited after deploy\n`);
    try {
      const result = await safeMigrate(db, project);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: applied migration 20990102000000_nickname was edited after it ran \(its checksum differs/m);
    } finally {
      writeFileSync(file, original);
    }
  });

  it("refuses when an applied migration's directory is missing", async () => {
    const dir = path.join(project.migrationsDir, "20990102000000_nickname");
    const sql = readFileSync(path.join(dir, "migration.sql"), "utf8");
    rmSync(dir, { recursive: true });
    try {
      const result = await safeMigrate(db, project);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: migration 20990102000000_nickname is recorded as applied but its directory is missing/m);
    } finally {
      project.addMigration("20990102000000_nickname", sql);
    }
  });

  it("refuses to interleave with another run holding the advisory lock", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      const result = await safeMigrate(db, project, ["--dry-run"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /another db:safe-migrate \/ db:migrate run holds the migration lock/);
    } finally {
      await client.query("SELECT pg_advisory_unlock_all()");
      client.release();
    }
  });

  it("downgrades a finding on an empty target: dropping an empty table does not block", async () => {
    await db.pool.query(`CREATE TABLE "Scratch" (id int)`);
    project.addMigration("20990106000000_drop_scratch", 'DROP TABLE "Scratch";\n');
    const result = await safeMigrate(db, project, ["--dry-run", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const finding = reportOf(result.stdout).findings.find((f) => f.rule === "drop-table")!;
    assert.equal(finding.severity, "info");
    assert.deepEqual(finding.liveResult, { summary: "public.Scratch is empty", originalSeverity: "data-loss" });
    const skipped = await safeMigrate(db, project, ["--dry-run", "--skip-live-checks"]);
    assert.equal(skipped.code, 1, "without live checks the DROP TABLE blocks");
    assert.match(skipped.stdout, /Findings \(static only: --skip-live-checks\)/);
  });

  it("exits 2 with one line when DATABASE_URL is missing", async () => {
    const result = await runScript("db-safe-migrate", ["--config", project.config]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: DATABASE_URL is not set/);
  });

  it("db:migrate-deploy runs the same flow without prompting", async () => {
    const result = await runScript("db-migrate-deploy", ["--config", project.config, "--backup-dir", project.backupDir, "--skip-live-checks"], { DATABASE_URL: db.url });
    assert.equal(result.code, 1, "the empty-table DROP TABLE blocks without live checks, and nothing prompts");
    assert.match(result.stdout, /Blocked: 1 data-loss finding/);
    assert.ok(readdirSync(project.backupDir).some((file) => file.startsWith("migration-report-")));
  });

  it("masks emails in the statements and output of the printed report", async () => {
    project.addMigration("20990107000000_contact", `UPDATE "User" SET "ogReason" = 'ask alice.smith@example.com';\n`);
    const result = await safeMigrate(db, project, ["--dry-run", "--json"]);
    assert.doesNotMatch(result.stdout + result.stderr, /alice\.smith/);
    const finding = reportOf(result.stdout).findings.find((f) => f.rule === "update-without-where") as { statement?: string } | undefined;
    assert.equal(finding?.statement, `UPDATE "User" SET "ogReason" = 'ask a***@example.com'`);
  });
});

describe("db:safe-migrate on an empty database", () => {
  let db: TestDatabase;
  let project: ScratchProject;
  before(async () => {
    db = await createTestDatabase({ empty: true });
    project = createScratchProject(mkdtempSync(path.join(os.tmpdir(), "pdg-migrations-")));
  });
  after(async () => {
    await db.drop();
    project.remove();
  });

  it("applies the whole history without a backup (there is nothing to lose) and says so", async () => {
    const result = await safeMigrate(db, project, ["--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result.stdout);
    assert.equal(report.outcome, "applied");
    assert.equal(report.pending.length, 3);
    assert.equal(report.backup, null);
    assert.match(result.stderr, /No pre-migration backup: the database holds no tables yet \(nothing to lose\)\./);
    const applied = await db.pool.query(`SELECT 1 FROM _prisma_migrations WHERE finished_at IS NOT NULL`);
    assert.equal(applied.rowCount, 3);
  });
});

describe("db:safe-migrate on the live catalog, with the baseline file", () => {
  const seeded = seededProject(20);

  it("judges pending migrations by the catalog (changed by hand) over the history, and honours the baseline's suppressions", async () => {
    const { db, project } = seeded;
    // Changes made outside the migration history: the catalog knows them, a replay of the files cannot.
    await db.pool.query(`UPDATE "User" SET "image" = 'none' WHERE "image" IS NULL`);
    await db.pool.query(`ALTER TABLE "User" ADD CONSTRAINT "User_image_nn" CHECK ("image" IS NOT NULL)`);
    await db.pool.query(`ALTER TABLE "Comment" ALTER COLUMN "text" TYPE VARCHAR(500)`);
    project.addMigration("20990201000000_tighten", [
      "SET lock_timeout = '5s';",
      'ALTER TABLE "User" ALTER COLUMN "image" SET NOT NULL;',
      'ALTER TABLE "Comment" ALTER COLUMN "text" SET DATA TYPE VARCHAR(1000);',
      "",
    ].join("\n"));
    project.addMigration("20990202000000_drop_bio", 'SET lock_timeout = \'5s\';\nALTER TABLE "User" DROP COLUMN "bio";\n');
    writeFileSync(path.join(project.dir, "prisma", "safe-migrate-baseline.json"), JSON.stringify({
      version: 1,
      suppressions: [{ migration: "20990202000000_drop_bio", rule: "drop-column", reason: "bio moved to Profile (#42)" }],
    }));

    const statically = await lintMigrations({ paths: [project.migrationsDir], engine: { engine: "adapter-pg", source: "test" } });
    const tighten = statically.analyses.find((a) => a.name === "20990201000000_tighten")!;
    assert.deepEqual(tighten.findings.map((f) => f.rule).sort(), ["alter-column-type", "set-not-null"], "the history alone says TEXT and no CHECK");

    const result = await safeMigrate(db, project, ["--dry-run", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = reportOf(result.stdout);
    assert.deepEqual(report.findings.filter((f) => f.migration === "20990201000000_tighten"), [], "the validated CHECK and VARCHAR(500) come from the catalog");
    const drop = report.findings.find((f) => f.rule === "drop-column")!;
    assert.equal(drop.suppressed?.reason, "bio moved to Profile (#42)");
    assert.match(drop.suppressed?.baseline ?? "", /safe-migrate-baseline\.json$/);
    assert.match(result.stderr, /allowed by the baseline file .*safe-migrate-baseline\.json: bio moved to Profile \(#42\)/);
    assert.match(result.stderr, /Schema engine: Prisma's Wasm schema engine through @prisma\/adapter-pg/);
  });

  it("refuses a pending migration PostgreSQL cannot parse, with its file and line, before anything runs", async () => {
    const { db, project } = seeded;
    project.addMigration("20990203000000_broken", 'SELECT 1;\nALTER TABLE "User" ADD COLUMN;\n');
    const result = await safeMigrate(db, project, ["--dry-run"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*20990203000000_broken\/migration\.sql:2: PostgreSQL cannot parse this migration .*Nothing was changed\./m);
  });
});
