import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runHealthChecks, type HealthCheck } from "../../scripts/lib/status/health.ts";
import { DEFAULT_MIGRATIONS_DIR, localMigrations, readMigrationState } from "../../scripts/lib/migrations-state.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

function byName(checks: HealthCheck[], name: string): HealthCheck {
  const check = checks.find((c) => c.name === name);
  assert.ok(check, `health check "${name}" exists`);
  return check;
}

const SYNC_POINTS = `UPDATE "User" u SET "totalPoints" = coalesce((SELECT sum(points) FROM "PointTransaction" t WHERE t."userId" = u."privyDid"), 0)`;

describe("db:status health checks", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 40 });
    await db.pool.query(SYNC_POINTS);
  });
  after(() => db.drop());

  it("passes on consistent data, and says which foreign keys already prevent orphans", async () => {
    const checks = await runHealthChecks(db.pool);
    assert.deepEqual(checks.filter((c) => c.status !== "ok"), []);
    assert.equal(byName(checks, "Follow.followerId → missing user").detail, "prevented by foreign key Follow_followerId_fkey");
    assert.equal(byName(checks, "Comment.profileId → missing user").detail, "prevented by foreign key Comment_profileId_fkey");
  });

  it("finds users with an empty username or referral code", async () => {
    await db.pool.query(`UPDATE "User" SET username = '' WHERE "privyDid" = (SELECT min("privyDid") FROM "User")`);
    await db.pool.query(`UPDATE "User" SET "referralCode" = '  ' WHERE "privyDid" = (SELECT max("privyDid") FROM "User")`);
    const checks = await runHealthChecks(db.pool);
    assert.deepEqual(byName(checks, "users without a username"), {
      name: "users without a username", status: "problem", count: 1, detail: "users with an empty username: 1",
    });
    assert.equal(byName(checks, "users without a referral code").count, 1);
  });

  it("finds follows and likes pointing at missing users once no foreign key prevents it", async () => {
    await db.pool.query(`ALTER TABLE "Follow" DROP CONSTRAINT "Follow_followerId_fkey"`);
    await db.pool.query(`ALTER TABLE "Like" DROP CONSTRAINT "Like_userId_fkey"`);
    let checks = await runHealthChecks(db.pool);
    assert.equal(byName(checks, "Follow.followerId → missing user").status, "ok", "no orphans yet");
    assert.equal(byName(checks, "Follow.followerId → missing user").detail, "no Follow rows point at users that do not exist (no foreign key)");

    await db.pool.query(`INSERT INTO "Follow" ("followerId", "followingId") SELECT 'did:privy:ghost', min("privyDid") FROM "User"`);
    await db.pool.query(`INSERT INTO "Like" (id, "userId", "commentId") SELECT 'lk_ghost_' || g, 'did:privy:ghost-' || g, min(id) FROM "Comment", generate_series(1, 2) g GROUP BY g`);
    checks = await runHealthChecks(db.pool);
    assert.equal(byName(checks, "Follow.followerId → missing user").count, 1);
    assert.equal(byName(checks, "Like.userId → missing user").count, 2);
    assert.equal(byName(checks, "Follow.followingId → missing user").status, "ok");
  });

  it("finds users whose totalPoints disagree with their point transactions", async () => {
    await db.pool.query(SYNC_POINTS);
    assert.equal(byName(await runHealthChecks(db.pool), "points totals vs point transactions").status, "ok");
    await db.pool.query(`UPDATE "User" SET "totalPoints" = "totalPoints" + 5 WHERE "privyDid" IN (SELECT "privyDid" FROM "User" ORDER BY 1 LIMIT 3)`);
    const check = byName(await runHealthChecks(db.pool), "points totals vs point transactions");
    assert.equal(check.status, "problem");
    assert.equal(check.count, 3);
  });

  it("skips, rather than crashes, checks whose tables are missing", async () => {
    const empty = await createTestDatabase({ empty: true });
    try {
      const checks = await runHealthChecks(empty.pool);
      assert.ok(checks.length >= 8);
      assert.ok(checks.every((c) => c.status === "skipped"), JSON.stringify(checks));
    } finally {
      await empty.drop();
    }
  });
});

describe("db:status migration state (readMigrationState from the backup core)", () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-migrations-"));
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  });
  after(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports every committed migration as applied on a migrated database", async () => {
    const committed = await localMigrations();
    assert.ok(committed.length >= 3);
    assert.deepEqual(await readMigrationState(db.pool), { applied: committed, pending: [], failed: [], unknown: [], edited: [] });
  });

  it("reports pending, failed and not-in-repo migrations", async () => {
    await mkdir(path.join(dir, "29990101000000_add_bio_index"));
    await writeFile(path.join(dir, "29990101000000_add_bio_index", "migration.sql"), `CREATE INDEX ON "User" (bio);\n`);
    await mkdir(path.join(dir, "29990102000000_half_done"));
    await writeFile(path.join(dir, "29990102000000_half_done", "migration.sql"), `SELECT 1;\n`);
    await db.pool.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ('m-failed', 'x', '29990102000000_half_done', now(), 0)`,
    );
    await db.pool.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ('m-other', 'x', '20990101000000_from_another_branch', now(), now(), 1)`,
    );
    const state = await readMigrationState(db.pool, dir);
    assert.deepEqual(state.pending, ["29990101000000_add_bio_index", "29990102000000_half_done"], "a failed migration is still pending");
    assert.deepEqual(state.failed, ["29990102000000_half_done"]);
    assert.deepEqual(state.unknown, ["20990101000000_from_another_branch"]);
  });

  it("treats a database without _prisma_migrations as having everything pending", async () => {
    const empty = await createTestDatabase({ empty: true });
    try {
      const state = await readMigrationState(empty.pool);
      assert.deepEqual(state.applied, []);
      assert.deepEqual(state.pending, await localMigrations());
    } finally {
      await empty.drop();
    }
  });
});
