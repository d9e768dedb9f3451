// The three modes (empty, skip-existing, replace), --tables subsets,
// --dry-run and unique-key clashes, each against real databases.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary } from "../../scripts/lib/backup/index.ts";
import type { RestoreReport } from "../../scripts/lib/restore/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { makeTempDir, tableDigests, type TableDigest } from "./fixtures.ts";

function counts(digests: Record<string, TableDigest>): Record<string, number> {
  return Object.fromEntries(Object.entries(digests).map(([table, digest]) => [table, digest.rows]));
}

function byTable(report: RestoreReport) {
  return Object.fromEntries(report.tables.map((t) => [t.table, t]));
}

describe("restore modes", () => {
  let source: TestDatabase;
  let setDir: { dir: string; remove(): Promise<void> };
  let summaryPath: string;
  let sourceDigests: Record<string, TableDigest>;

  /** A migrated database holding exactly the source's data (restored from the set). */
  async function restoredCopy(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    return db;
  }

  before(async () => {
    [source, setDir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    await seedDatabase(source.pool, { users: 200 });
    sourceDigests = await tableDigests(source.pool);
    ({ summaryPath } = await createBackup({ target: source.target, outDir: setDir.dir, kind: "manual" }));
  });
  after(async () => {
    await Promise.all([source.drop(), setDir.remove()]);
  });

  it("--mode empty (the default) refuses a database whose tables have rows", async () => {
    const db = await restoredCopy();
    try {
      await db.pool.query(`DELETE FROM "Comment" WHERE id = 'cmt_5_1'`);
      const before = await tableDigests(db.pool);
      const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: db.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /--mode empty restores only into empty tables, and .*User.* have rows.*--mode skip-existing/);
      assert.deepEqual(await tableDigests(db.pool), before);
    } finally {
      await db.drop();
    }
  });

  it("--mode skip-existing puts back deleted rows and leaves existing rows untouched", async () => {
    const db = await restoredCopy();
    try {
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" IN (SELECT "privyDid" FROM "User" ORDER BY "privyDid" LIMIT 10)`);
      await db.pool.query(`DELETE FROM "PointTransaction" WHERE id LIKE 'pt_1%'`);
      await db.pool.query(`UPDATE "User" SET bio = 'edited after the backup' WHERE username = 'user_150'`);
      const edited = await db.pool.query(`SELECT bio FROM "User" WHERE username = 'user_150'`);

      const dry = await runScript("db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--dry-run", "--json"], { DATABASE_URL: db.url });
      assert.equal(dry.code, 0, dry.stderr);
      const before = await tableDigests(db.pool);
      const dryReport = JSON.parse(dry.stdout) as RestoreReport;
      assert.equal(dryReport.outcome, "dry-run");

      const result = await runScript("db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--json"], { DATABASE_URL: db.url });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as RestoreReport;
      const after = await tableDigests(db.pool);
      assert.deepEqual(counts(after), counts(sourceDigests));
      assert.deepEqual((await db.pool.query(`SELECT bio FROM "User" WHERE username = 'user_150'`)).rows, edited.rows);

      const tables = byTable(report);
      for (const [table, digest] of Object.entries(sourceDigests)) {
        assert.equal(tables[table]!.inserted, digest.rows - before[table]!.rows, `${table} inserted`);
        assert.equal(tables[table]!.skipped, before[table]!.rows, `${table} skipped`);
      }
      assert.ok(tables.User!.inserted === 10 && tables.PointTransaction!.inserted > 10);
      assert.deepEqual(dryReport.tables, report.tables, "the dry run predicted exactly what the restore did");
    } finally {
      await db.drop();
    }
  });

  it("skip-existing: a clash on a non-primary unique key is reported per row, and nothing restored without --continue-on-conflict", async () => {
    const db = await restoredCopy();
    try {
      const victim = (await db.pool.query<{ privyDid: string; email: string }>(
        `SELECT "privyDid", email FROM "User" WHERE username = 'user_7'`,
      )).rows[0]!;
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [victim.privyDid]);
      await db.pool.query(`DELETE FROM "Comment" WHERE "authorId" = 'did:privy:cm' || lpad(to_hex(9), 23, '0')`);
      // The same person signed up again: a new DID with the old email.
      await db.pool.query(
        `INSERT INTO "User" ("privyDid", "updatedAt", username, email, "referralCode") VALUES ('did:privy:new7', now(), 'user_7_again', $1, 'NEW7')`,
        [victim.email],
      );
      const before = await tableDigests(db.pool);

      const refused = await runScript("db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--json"], { DATABASE_URL: db.url });
      assert.equal(refused.code, 1, refused.stderr);
      const report = JSON.parse(refused.stdout) as RestoreReport;
      assert.equal(report.outcome, "refused");
      assert.deepEqual(
        report.refusedRows.filter((row) => row.table === "User"),
        [{ table: "User", key: [victim.privyDid], problems: ["unique:User_email_key"] }],
      );
      // The victim's own comments, follows, likes… cannot come back without their author.
      assert.ok(report.refusedRows.some((row) => row.table === "Comment" && row.problems.includes("parent:Comment_authorId_fkey")));
      assert.match(refused.stderr, /User \(did:privy:cm0+7\): clashes with an existing row on unique key User_email_key/);
      assert.match(refused.stderr, /--continue-on-conflict/);
      assert.deepEqual(await tableDigests(db.pool), before, "nothing changed");

      const continued = await runScript(
        "db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--continue-on-conflict", "--json"], { DATABASE_URL: db.url },
      );
      assert.equal(continued.code, 0, continued.stderr);
      const done = byTable(JSON.parse(continued.stdout) as RestoreReport);
      assert.equal(done.User!.refused, 1);
      assert.equal(done.Comment!.inserted, 2, "user 9's two comments are back");
      const after = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "User" WHERE "privyDid" = $1`, [victim.privyDid]);
      assert.equal(after.rows[0]!.n, 0);
      const comments = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Comment"`);
      assert.equal(comments.rows[0]!.n, sourceDigests.Comment!.rows - done.Comment!.refused);
    } finally {
      await db.drop();
    }
  });

  it("skip-existing: clashes on expression and partial unique indexes are listed per row too, and only real clashes", async () => {
    const db = await restoredCopy();
    try {
      await db.pool.query(`CREATE UNIQUE INDEX "User_lower_username" ON "User" (lower(username))`);
      await db.pool.query(`CREATE UNIQUE INDEX "User_wallet_with_points" ON "User" ("solanaWalletAddress") WHERE "totalPoints" > 0`);
      const user = async (name: string) =>
        (await db.pool.query<{ privyDid: string; wallet: string; points: number }>(
          `SELECT "privyDid", "solanaWalletAddress" AS wallet, "totalPoints" AS points FROM "User" WHERE username = $1`, [name],
        )).rows[0]!;
      const [u11, u13, u14] = [await user("user_11"), await user("user_13"), await user("user_14")];
      assert.ok(u13.points > 0 && u14.points > 0 && u13.wallet && u14.wallet);
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = ANY ($1)`, [[u11.privyDid, u13.privyDid, u14.privyDid]]);
      // Live rows that took their place: USER_11 (same name but for case), u13's wallet with points (inside the
      // partial index), u14's wallet without points (outside it: no clash).
      await db.pool.query(
        `INSERT INTO "User" ("privyDid", "updatedAt", username, "referralCode", "solanaWalletAddress", "totalPoints") VALUES
           ('did:privy:new11', now(), 'USER_11', 'NEW11', NULL, 0),
           ('did:privy:new13', now(), 'user_13_new', 'NEW13', $1, 5),
           ('did:privy:new14', now(), 'user_14_new', 'NEW14', $2, 0)`,
        [u13.wallet, u14.wallet],
      );
      const before = await tableDigests(db.pool);

      const refused = await runScript("db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--json"], { DATABASE_URL: db.url });
      assert.equal(refused.code, 1, refused.stderr);
      const report = JSON.parse(refused.stdout) as RestoreReport;
      assert.deepEqual(
        report.refusedRows.filter((row) => row.table === "User").sort((a, b) => String(a.key[0]).localeCompare(String(b.key[0]))),
        [
          { table: "User", key: [u11.privyDid], problems: ["unique:User_lower_username"] },
          { table: "User", key: [u13.privyDid], problems: ["unique:User_wallet_with_points"] },
        ].sort((a, b) => String(a.key[0]).localeCompare(String(b.key[0]))),
      );
      assert.deepEqual(await tableDigests(db.pool), before, "nothing changed");

      const continued = await runScript(
        "db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--continue-on-conflict"], { DATABASE_URL: db.url },
      );
      assert.equal(continued.code, 0, continued.stderr);
      const back = await db.pool.query<{ privyDid: string }>(`SELECT "privyDid" FROM "User" WHERE "privyDid" = ANY ($1) ORDER BY 1`, [
        [u11.privyDid, u13.privyDid, u14.privyDid],
      ]);
      assert.deepEqual(back.rows.map((row) => row.privyDid), [u14.privyDid]);
    } finally {
      await db.drop();
    }
  });

  it("--mode replace needs --yes, takes a pre-restore backup, and leaves exactly the backup's data", async () => {
    const db = await restoredCopy();
    const preDir = await makeTempDir();
    try {
      await db.pool.query(`UPDATE "User" SET bio = 'vandalised'`);
      await db.pool.query(`DELETE FROM "Like"`);
      const vandalised = await tableDigests(db.pool);

      const noYes = await runScript("db-restore", ["--from", summaryPath, "--mode", "replace"], { DATABASE_URL: db.url });
      assert.equal(noYes.code, 2);
      assert.deepEqual(await tableDigests(db.pool), vandalised);

      const result = await runScript(
        "db-restore", ["--from", summaryPath, "--mode", "replace", "--yes", "--dir", preDir.dir, "--json"], { DATABASE_URL: db.url },
      );
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as RestoreReport;
      assert.deepEqual(await tableDigests(db.pool), sourceDigests);
      assert.equal(byTable(report).User!.replaced, vandalised.User!.rows);
      assert.equal(byTable(report).Like!.replaced, 0);

      assert.ok(report.preRestoreBackup && existsSync(report.preRestoreBackup));
      const pre = await readSummary(report.preRestoreBackup);
      assert.equal(pre.kind, "pre-restore");
      assert.deepEqual(pre.counts, Object.fromEntries(report.tables.map((t) => [t.table, t.replaced])));
      // The pre-restore backup holds the replaced data: restoring it brings the vandalised state back.
      const undo = await runScript(
        "db-restore", ["--from", report.preRestoreBackup, "--mode", "replace", "--yes", "--dir", preDir.dir], { DATABASE_URL: db.url },
      );
      assert.equal(undo.code, 0, undo.stderr);
      assert.deepEqual(await tableDigests(db.pool), vandalised);
    } finally {
      await Promise.all([db.drop(), preDir.remove()]);
    }
  });

  it("--mode replace refuses a subset that other tables reference", async () => {
    const db = await restoredCopy();
    try {
      const result = await runScript("db-restore", ["--from", summaryPath, "--mode", "replace", "--yes", "--tables", "users"], { DATABASE_URL: db.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /would empty User, which Comment, DailyPointsLog, Follow, Like, PointTransaction, UserAchievement reference/);
      assert.deepEqual(await tableDigests(db.pool), sourceDigests);
    } finally {
      await db.drop();
    }
  });

  it("--tables restores a subset, refusing rows whose parents would be missing", async () => {
    const db = await createTestDatabase();
    try {
      const orphaned = await runScript("db-restore", ["--from", summaryPath, "--tables", "comments", "--json"], { DATABASE_URL: db.url });
      assert.equal(orphaned.code, 1, orphaned.stderr);
      const report = JSON.parse(orphaned.stdout) as RestoreReport;
      assert.equal(byTable(report).Comment!.refused, sourceDigests.Comment!.rows);
      assert.match(orphaned.stderr, /Comment \(cmt_\d+_\d\): its parent row is missing \(Comment_(author|profile)Id_fkey\)/);
      assert.match(orphaned.stderr, /Add the parent tables to --tables/);

      const subset = await runScript("db-restore", ["--from", summaryPath, "--tables", "users,Comment"], { DATABASE_URL: db.url });
      assert.equal(subset.code, 0, subset.stderr);
      const after = await tableDigests(db.pool);
      assert.deepEqual([after.User, after.Comment], [sourceDigests.User, sourceDigests.Comment]);
      assert.equal(after.Like!.rows + after.Follow!.rows + after.PointTransaction!.rows, 0);

      // Now the parents are there: the comments' likes restore on their own.
      const likes = await runScript("db-restore", ["--from", summaryPath, "--tables", "likes"], { DATABASE_URL: db.url });
      assert.equal(likes.code, 0, likes.stderr);
      assert.deepEqual((await tableDigests(db.pool)).Like, sourceDigests.Like);
    } finally {
      await db.drop();
    }
  });
});
