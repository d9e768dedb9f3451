// db:restore --rows: one user (or several, or any rows) put back with
// everything that cascaded from them, against real databases compared in SQL
// table by table.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary } from "../../scripts/lib/backup/index.ts";
import type { RowRecoveryReport } from "../../scripts/lib/row-recovery/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { copySet, entryOf, fileOf, removeDir } from "../backup/support.ts";
import { errorLine, runScript, type ScriptResult } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { makeTempDir, tableDigests } from "./fixtures.ts";

const did = (i: number) => `did:privy:cm${i.toString(16).padStart(23, "0")}`;
/** User 20 follows and is followed, wrote comments and has comments on their profile (liked by others), points, an achievement, daily logs. */
const VICTIM = did(20);
/** Users 60 (seeded), 101 and 103 (set before the backup) were referred by user 20. */
const REFERRED = [did(60), did(101), did(103)];

function report(result: ScriptResult): RowRecoveryReport {
  return JSON.parse(result.stdout) as RowRecoveryReport;
}

function byTable(r: RowRecoveryReport) {
  return Object.fromEntries(r.tables.map((t) => [t.table, t]));
}

describe("db:restore --rows", () => {
  let source: TestDatabase;
  let setDir: { dir: string; remove(): Promise<void> };
  let summaryPath: string;

  /** A database holding the source's data (restored from the set), with two rows deleted on purpose since the backup. */
  async function liveCopy(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    await db.pool.query(`DELETE FROM "PointTransaction" WHERE id = 'pt_50_1'`);
    await db.pool.query(`DELETE FROM "Comment" WHERE id = 'cmt_150_2'`);
    return db;
  }

  const rows = (db: TestDatabase, ...args: string[]) => runScript("db-restore", ["--from", summaryPath, "--json", ...args], { DATABASE_URL: db.url });

  before(async () => {
    [source, setDir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    await seedDatabase(source.pool, { users: 200 });
    await source.pool.query(`UPDATE "User" SET "referredBy" = $1 WHERE "privyDid" = ANY ($2)`, [VICTIM, REFERRED]);
    ({ summaryPath } = await createBackup({ target: source.target, outDir: setDir.dir, kind: "manual" }));
  });
  after(async () => {
    await Promise.all([source.drop(), setDir.remove()]);
  });

  it("puts back a deleted user with everything that cascaded; --relink restores the cut links; the dry run lists the same and changes nothing", async () => {
    const db = await liveCopy();
    try {
      const beforeDeletion = await tableDigests(db.pool);
      const cascade = await db.pool.query<{ follows: number; followers: number; comments: number; onProfile: number; likesOnTheirs: number }>(
        `SELECT (SELECT count(*)::int FROM "Follow" WHERE "followerId" = $1) AS follows,
                (SELECT count(*)::int FROM "Follow" WHERE "followingId" = $1) AS followers,
                (SELECT count(*)::int FROM "Comment" WHERE "authorId" = $1) AS comments,
                (SELECT count(*)::int FROM "Comment" WHERE "profileId" = $1 AND "authorId" <> $1) AS "onProfile",
                (SELECT count(*)::int FROM "Like" l JOIN "Comment" c ON c.id = l."commentId" WHERE c."authorId" = $1 AND l."userId" <> $1) AS "likesOnTheirs"`,
        [VICTIM],
      );
      const c = cascade.rows[0]!;
      assert.ok(c.follows > 0 && c.followers > 0 && c.comments > 0 && c.onProfile > 0 && c.likesOnTheirs > 0, JSON.stringify(c));
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      const deleted = await tableDigests(db.pool);
      const cut = await db.pool.query(`SELECT count(*)::int AS n FROM "User" WHERE "privyDid" = ANY ($1) AND "referredBy" IS NULL`, [REFERRED]);
      assert.equal(cut.rows[0]!.n, 3);

      const dry = await rows(db, "--rows", `User:privyDid=${VICTIM}`, "--relink", "--dry-run");
      assert.equal(dry.code, 0, dry.stderr);
      assert.deepEqual(await tableDigests(db.pool), deleted, "the dry run changed nothing");
      const dryReport = report(dry);
      assert.equal(dryReport.outcome, "dry-run");
      assert.match(dry.stderr, /User to put back: did:privy:cm0+14/);

      const real = await rows(db, "--rows", `User:privyDid=${VICTIM}`, "--relink");
      assert.equal(real.code, 0, real.stderr);
      const done = report(real);
      assert.equal(done.outcome, "restored");
      assert.deepEqual(await tableDigests(db.pool), beforeDeletion, "identical to before the deletion, table by table; the rows deleted on purpose stay deleted");
      assert.deepEqual(dryReport.tables, done.tables, "the dry run listed exactly what came back");
      assert.deepEqual(done.links.map((link) => [link.key[0], link.foreignKey, link.relinked]).sort(), REFERRED.map((d) => [d, "User_referredBy_fkey", true]).sort());
      const t = byTable(done);
      assert.equal(t.User!.restored, 1);
      assert.equal(t.Follow!.restored, c.follows + c.followers);
      assert.ok(t.Like!.restored >= c.likesOnTheirs && t.PointTransaction!.restored === 2 && t.UserAchievement!.restored === 1 && t.DailyPointsLog!.restored === 2);
      assert.equal(done.passes, 1, "the users it referred are found in the same read of User (the seed's key is a filter from the start)");
    } finally {
      await db.drop();
    }
  });

  it("without --relink everything but the three links comes back, and the links are listed", async () => {
    const db = await liveCopy();
    try {
      const beforeDeletion = await tableDigests(db.pool);
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      const result = await rows(db, "--rows", `users:privyDid=${VICTIM}`);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(report(result).links.filter((link) => !link.relinked).length, 3);
      assert.match(result.stderr, /rerun with --relink/);
      const after = await tableDigests(db.pool);
      assert.notDeepEqual(after.User, beforeDeletion.User);
      const { User: _user, ...others } = after;
      const { User: _before, ...othersBefore } = beforeDeletion;
      assert.deepEqual(others, othersBefore);
      await db.pool.query(`UPDATE "User" SET "referredBy" = $1 WHERE "privyDid" = ANY ($2) AND "referredBy" IS NULL`, [VICTIM, REFERRED]);
      assert.deepEqual(await tableDigests(db.pool), beforeDeletion, "the three links are all that differed");
    } finally {
      await db.drop();
    }
  });

  it("a parent a restored row needs comes back too, without its own children (a second pass over its file)", async () => {
    const db = await liveCopy();
    try {
      // Deleted on purpose since the backup: comment cmt_24_1, and with it its likes (user 20's lk_20_1, user 17's lk_17_2).
      await db.pool.query(`DELETE FROM "Comment" WHERE id = 'cmt_24_1'`);
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      const result = await rows(db, "--rows", `User:privyDid=${VICTIM}`);
      assert.equal(result.code, 0, result.stderr);
      const done = report(result);
      assert.equal(done.passes, 2);
      assert.equal(byTable(done).Comment!.scans, 2);
      const likes = await db.pool.query<{ id: string }>(`SELECT id FROM "Like" WHERE "commentId" = 'cmt_24_1' ORDER BY id`);
      assert.deepEqual(likes.rows.map((row) => row.id), ["lk_20_1"], "user 20's like is back with the comment it needs; lk_17_2 stays deleted");
    } finally {
      await db.drop();
    }
  });

  it("several users at once, by key and by email (masked in every line)", async () => {
    const db = await liveCopy();
    try {
      const beforeDeletion = await tableDigests(db.pool);
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = ANY ($1) OR email = 'user77@example.com'`, [[did(33), did(34)]]);
      const result = await rows(db, "--rows", `User:privyDid=${did(33)},${did(34)}`, "--rows", "User:email=user77@example.com", "--relink");
      assert.equal(result.code, 0, result.stderr);
      assert.equal(byTable(report(result)).User!.restored, 3);
      assert.deepEqual(await tableDigests(db.pool), beforeDeletion);
      assert.doesNotMatch(result.stdout + result.stderr, /user77@example\.com/);
    } finally {
      await db.drop();
    }
  });

  it("a --rows value the set does not hold: exit 1, nothing changed", async () => {
    const db = await liveCopy();
    try {
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      const before = await tableDigests(db.pool);
      const result = await rows(db, "--rows", `User:privyDid=${VICTIM},did:privy:not-in-the-set`);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /the set holds no row with User\.privyDid=did:privy:not-in-the-set \(check the values, or name an older set with --from\); nothing was changed/);
      assert.deepEqual(await tableDigests(db.pool), before);
      for (const args of [["--rows", "User:privyDid"], ["--rows", `User:privyDid=${VICTIM}`, "--mode", "skip-existing"], ["--relink"], ["--rows", `User:privyDid=${VICTIM}`, "--jobs", "2"]]) {
        const usage = await rows(db, ...args);
        assert.equal(usage.code, 2, `${args.join(" ")}: ${usage.stderr}`);
        if (args.includes("--jobs")) assert.match(usage.stderr, /--rows puts back the chosen rows with what depends on them; --jobs cannot be combined with it/);
      }
      assert.deepEqual(await tableDigests(db.pool), before);
    } finally {
      await db.drop();
    }
  });

  it("a username taken since by a newer user: the clash is listed per row, nothing changes (unless --continue-on-conflict)", async () => {
    const db = await liveCopy();
    try {
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      await db.pool.query(`INSERT INTO "User" ("privyDid", "updatedAt", username, "referralCode") VALUES ('did:privy:newer', now(), 'user_20', 'NEWER20')`);
      const before = await tableDigests(db.pool);
      const result = await rows(db, "--rows", `User:privyDid=${VICTIM}`);
      assert.equal(result.code, 1, result.stderr);
      const refused = report(result);
      assert.equal(refused.outcome, "refused");
      assert.deepEqual(refused.refusedRows.filter((row) => row.table === "User"), [{ table: "User", key: [VICTIM], problems: ["unique:User_username_key"] }]);
      assert.match(result.stderr, /User \(did:privy:cm0+14\): clashes with an existing row on unique key User_username_key/);
      assert.deepEqual(await tableDigests(db.pool), before, "nothing changed");

      const continued = await rows(db, "--rows", `User:privyDid=${VICTIM}`, "--continue-on-conflict");
      assert.equal(continued.code, 0, continued.stderr);
      const t = byTable(report(continued));
      assert.equal(t.User!.refused, 1);
      assert.ok(t.Comment!.refused > 0, "the user's comments cannot come back without them");
      const back = await db.pool.query(`SELECT count(*)::int AS n FROM "Follow" WHERE "followerId" = $1`, [VICTIM]);
      assert.equal(back.rows[0]!.n, 0);
    } finally {
      await db.drop();
    }
  });

  it("a table file altered since the backup (same size): refused, naming the file, nothing changed", async () => {
    const db = await liveCopy();
    const copied = await copySet(summaryPath, "rows-altered");
    try {
      const likes = fileOf(copied, entryOf(await readSummary(copied), "Like"));
      await writeFile(likes, (await readFile(likes, "utf8")).replace("lk_20_1", "lk_20_9"));
      await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [VICTIM]);
      const before = await tableDigests(db.pool);
      const result = await runScript("db-restore", ["--from", copied, "--rows", `User:privyDid=${VICTIM}`], { DATABASE_URL: db.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /likes-backup-.*\.json: SHA-256 differs from the summary .*; the set is damaged — restore from another backup set.*nothing was changed/);
      assert.deepEqual(await tableDigests(db.pool), before);
    } finally {
      await Promise.all([db.drop(), removeDir(path.dirname(copied))]);
    }
  });

  it("--relink puts back a link to a row found in a later pass, on a live row already seen in an earlier one", async () => {
    // X (3) is live and was cut twice: from the root (friend_id, found in the first read) and from its child (buddy_id,
    // found only once the child comes back, in the second read).
    const DDL = `CREATE SCHEMA ops;
      CREATE TABLE ops.node (id int PRIMARY KEY, parent_id int REFERENCES ops.node (id) ON DELETE CASCADE,
        friend_id int REFERENCES ops.node (id) ON DELETE SET NULL, buddy_id int REFERENCES ops.node (id) ON DELETE SET NULL);`;
    const [linkSource, target, dir] = await Promise.all([createTestDatabase(), createTestDatabase(), makeTempDir()]);
    try {
      await linkSource.pool.query(DDL);
      await target.pool.query(DDL);
      await linkSource.pool.query(`INSERT INTO ops.node VALUES (1, NULL, NULL, NULL), (2, 1, NULL, NULL), (3, NULL, 1, 2), (4, NULL, NULL, NULL)`);
      const set = await createBackup({ target: linkSource.target, outDir: dir.dir, kind: "manual", schemas: ["public", "ops"] });
      const copy = await runScript("db-restore", ["--from", set.summaryPath], { DATABASE_URL: target.url });
      assert.equal(copy.code, 0, copy.stderr);
      const nodes = async (db: TestDatabase) => (await db.pool.query(`SELECT * FROM ops.node ORDER BY id`)).rows;
      await target.pool.query(`DELETE FROM ops.node WHERE id = 1`);
      assert.deepEqual(await nodes(target), [{ id: 3, parent_id: null, friend_id: null, buddy_id: null }, { id: 4, parent_id: null, friend_id: null, buddy_id: null }]);
      const result = await runScript("db-restore", ["--from", set.summaryPath, "--rows", "ops.node:id=1", "--relink", "--json"], { DATABASE_URL: target.url });
      assert.equal(result.code, 0, result.stderr);
      const done = report(result);
      assert.deepEqual([byTable(done)["ops.node"]!.restored, byTable(done)["ops.node"]!.present], [2, 1]);
      assert.deepEqual(done.links.map((link) => [link.foreignKey, link.relinked]).sort(), [["node_buddy_id_fkey", true], ["node_friend_id_fkey", true]]);
      assert.deepEqual(await nodes(target), await nodes(linkSource));
    } finally {
      await Promise.all([linkSource.drop(), target.drop(), dir.remove()]);
    }
  });

  it("a self-referencing chain in another schema: as many passes as its depth", async () => {
    const DDL = `CREATE SCHEMA ops;
      CREATE TABLE ops.node (id int PRIMARY KEY, parent_id int REFERENCES ops.node (id) ON DELETE CASCADE, label text NOT NULL);`;
    const [chainSource, target, dir] = await Promise.all([createTestDatabase(), createTestDatabase(), makeTempDir()]);
    try {
      await chainSource.pool.query(DDL);
      await target.pool.query(DDL);
      // 1 <- 2 <- … <- 6, and an unrelated 7 <- 8.
      await chainSource.pool.query(`INSERT INTO ops.node VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 3, 'c'), (5, 4, 'd'), (6, 5, 'e'), (7, NULL, 'x'), (8, 7, 'y')`);
      const set = await createBackup({ target: chainSource.target, outDir: dir.dir, kind: "manual", schemas: ["public", "ops"] });
      const copy = await runScript("db-restore", ["--from", set.summaryPath], { DATABASE_URL: target.url });
      assert.equal(copy.code, 0, copy.stderr);
      await target.pool.query(`DELETE FROM ops.node WHERE id IN (1, 8)`);
      const result = await runScript("db-restore", ["--from", set.summaryPath, "--rows", "ops.node:id=1", "--json"], { DATABASE_URL: target.url });
      assert.equal(result.code, 0, result.stderr);
      const done = report(result);
      assert.equal(byTable(done)["ops.node"]!.restored, 6);
      assert.ok(done.passes >= 6, `${done.passes} passes`);
      const ids = await target.pool.query<{ id: number }>(`SELECT id FROM ops.node ORDER BY id`);
      assert.deepEqual(ids.rows.map((row) => row.id), [1, 2, 3, 4, 5, 6, 7], "node 8, deleted on purpose, stays deleted");
    } finally {
      await Promise.all([chainSource.drop(), target.drop(), dir.remove()]);
    }
  });
});
