// Live-data evaluation against real data: each check firing (something at
// stake) and not firing (the finding is downgraded), casts that lose data or
// fail, and a check stopped by its statement_timeout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { analyzeMigration } from "../../scripts/lib/migrations/analyze.ts";
import type { Finding } from "../../scripts/lib/migrations/findings.ts";
import { evaluateFindings } from "../../scripts/lib/migrations/live-checks.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("live-data checks", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 40 });
  });
  after(() => db.drop());

  /** The evaluated finding of `rule` in a one-statement migration. */
  async function evaluated(sql: string, rule: string, timeoutMs = 10_000): Promise<{ finding: Finding; notes: string[] }> {
    const analysis = await analyzeMigration({ name: "m", file: "m.sql", sql: `SET lock_timeout = '5s';\n${sql}` });
    const { findings, notes } = await evaluateFindings(db.pool, analysis.findings, { timeoutMs });
    const finding = findings.find((f) => f.rule === rule);
    assert.ok(finding, `no ${rule} finding in ${JSON.stringify(findings)}`);
    return { finding, notes };
  }
  const scalar = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]!.n);

  it("drop-column: counts the non-null values that would be lost", async () => {
    const bios = await scalar(`SELECT count(*) AS n FROM "User" WHERE bio IS NOT NULL`);
    const { finding } = await evaluated('ALTER TABLE "User" DROP COLUMN "bio";', "drop-column");
    assert.equal(finding.severity, "data-loss");
    assert.equal(finding.liveResult?.summary, `${bios} non-null values in public.User.bio would be lost`);
  });

  it("drop-column: downgraded to info when every value is NULL", async () => {
    const { finding } = await evaluated('ALTER TABLE "User" DROP COLUMN "image";', "drop-column");
    assert.equal(finding.severity, "info");
    assert.equal(finding.liveResult?.originalSeverity, "data-loss");
  });

  it("drop-table: rows at stake, or info on an empty table", async () => {
    const rows = await scalar(`SELECT count(*) AS n FROM "DailyPointsLog"`);
    assert.equal((await evaluated('DROP TABLE "DailyPointsLog";', "drop-table")).finding.liveResult?.summary, `public.DailyPointsLog holds ${rows} rows`);
    await db.pool.query(`CREATE TABLE "EmptyOne" (id int)`);
    const empty = await evaluated('DROP TABLE "EmptyOne";', "drop-table");
    assert.equal(empty.finding.severity, "info");
    assert.equal(empty.finding.liveResult?.summary, "public.EmptyOne is empty");
  });

  it("set-not-null: counts NULLs, or becomes a lock finding when there are none", async () => {
    const nulls = await scalar(`SELECT count(*) AS n FROM "User" WHERE email IS NULL`);
    assert.ok(nulls > 0);
    const email = await evaluated('ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', "set-not-null");
    assert.equal(email.finding.severity, "may-fail");
    assert.equal(email.finding.liveResult?.summary, `${nulls} rows of public.User hold NULL in email: SET NOT NULL would fail`);
    const username = await evaluated('ALTER TABLE "User" ALTER COLUMN "username" SET NOT NULL;', "set-not-null");
    assert.equal(username.finding.severity, "lock");
  });

  it("add-unique: counts duplicates, or passes when values are unique", async () => {
    const dup = await evaluated('CREATE UNIQUE INDEX CONCURRENTLY "u1" ON "User"("currentStreak");', "add-unique");
    assert.equal(dup.finding.severity, "may-fail");
    assert.match(dup.finding.liveResult!.summary, /^8 duplicated \(currentStreak\) values in 40 rows of public\.User: the unique index would fail$/);
    const unique = await evaluated('ALTER TABLE "User" ADD CONSTRAINT "u2" UNIQUE ("solanaWalletAddress");', "add-unique");
    assert.equal(unique.finding.severity, "lock");
  });

  it("enum-value-removed: names the removed values still in use", async () => {
    const sql = `CREATE TYPE "Cat_new" AS ENUM ('SOCIAL', 'STREAK', 'TRADING', 'REFERRAL');
ALTER TABLE "Achievement" ALTER COLUMN "category" TYPE "Cat_new" USING ("category"::text::"Cat_new");`;
    const used = await evaluated(sql, "enum-value-removed");
    assert.equal(used.finding.liveResult?.summary, "rows of public.Achievement still use removed values: 'SPECIAL' (1 rows): the migration would fail");
    const keepAll = await evaluated(sql.replace("'REFERRAL'", "'REFERRAL', 'SPECIAL'"), "enum-value-removed");
    assert.equal(keepAll.finding.severity, "lock");
  });

  it("alter-column-type: a lossy cast becomes data-loss, a failing cast stays may-fail, a widening one is a lock", async () => {
    const lossy = await evaluated('ALTER TABLE "User" ALTER COLUMN "totalTradingVolume" SET DATA TYPE INTEGER;', "alter-column-type");
    assert.equal(lossy.finding.severity, "data-loss");
    assert.match(lossy.finding.liveResult!.summary, /^\d+ of 40 values of public\.User\.totalTradingVolume \(double precision\) change when cast to integer/);
    const failing = await evaluated('ALTER TABLE "User" ALTER COLUMN "username" TYPE INTEGER USING "username"::integer;', "alter-column-type");
    assert.equal(failing.finding.severity, "may-fail");
    assert.match(failing.finding.liveResult!.summary, /^casting the existing text values to integer fails: invalid input syntax for type integer/);
    const widening = await evaluated('ALTER TABLE "User" ALTER COLUMN "totalPoints" TYPE BIGINT;', "alter-column-type");
    assert.equal(widening.finding.severity, "lock");
    assert.equal(widening.finding.liveResult?.summary, "all 40 values of public.User.totalPoints (integer) survive the cast to bigint (the table is still rewritten)");
  });

  it("add-column-not-null-no-default: the rows that make it fail", async () => {
    const { finding } = await evaluated('ALTER TABLE "User" ADD COLUMN "country" TEXT NOT NULL;', "add-column-not-null-no-default");
    assert.equal(finding.severity, "may-fail");
    assert.equal(finding.liveResult?.summary, "public.User holds 40 rows");
  });

  it("says when the table does not exist in the target", async () => {
    const { finding } = await evaluated('DROP TABLE "NotThere";', "drop-table");
    assert.equal(finding.severity, "data-loss");
    assert.equal(finding.liveResult?.summary, "public.NotThere does not exist in the target database (yet)");
  });

  it("stops a check at its statement_timeout and says so (the finding stands)", async () => {
    const blocker = await db.pool.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query('LOCK TABLE "Comment" IN ACCESS EXCLUSIVE MODE');
      const { finding, notes } = await evaluated('ALTER TABLE "Comment" DROP COLUMN "text";', "drop-column", 300);
      assert.equal(finding.severity, "data-loss");
      assert.equal(finding.liveResult?.summary, "not evaluated: the check stopped after 0.3 s (statement_timeout)");
      assert.match(notes[0]!, /live check of drop-column on public\.Comment stopped after 0\.3 s/);
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
  });

  it("names a very large table (planner estimate) as a bounded full scan before checking it", async () => {
    // The planner's estimate is what the check reads; setting it stands in for ten million rows.
    await db.pool.query(`UPDATE pg_class SET reltuples = 10000000 WHERE oid = '"PointTransaction"'::regclass`);
    try {
      const { finding, notes } = await evaluated('ALTER TABLE "PointTransaction" DROP COLUMN "description";', "drop-column");
      assert.equal(finding.severity, "data-loss");
      assert.deepEqual(notes, [
        "public.PointTransaction is large (~10,000,000 rows estimated): its checks scan it, each bounded by a 10 s statement_timeout (--live-check-timeout, or --skip-live-checks).",
      ]);
    } finally {
      await db.pool.query(`ANALYZE "PointTransaction"`);
    }
  });
});
