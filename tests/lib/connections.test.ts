import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPrisma } from "../../scripts/lib/prisma-client.ts";
import { createPool, poolConfigFromUrl } from "../../scripts/lib/db.ts";
import { parseDatabaseUrl } from "../../scripts/lib/config.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("connections from one DATABASE_URL", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
  });
  after(() => db.drop());

  it("passes discrete fields (never a connectionString) so Prisma's shadow override works", () => {
    const config = poolConfigFromUrl("postgresql://app:p%40ss@db.internal:6543/social?sslmode=disable");
    assert.equal(config.connectionString, undefined);
    assert.deepEqual(
      [config.host, config.port, config.user, config.password, config.database],
      ["db.internal", 6543, "app", "p@ss", "social"],
    );
  });

  it("queries the app's models through the Prisma client (adapter-pg, no native engine)", async () => {
    const prisma = await createPrisma(db.target);
    try {
      assert.equal(await prisma.user.count(), 30);
      const user = await prisma.user.findFirstOrThrow({ where: { isOG: true }, include: { followers: true } });
      assert.match(user.privyDid, /^did:privy:/);
      assert.match(user.username, /^[a-z0-9_]{3,20}$/);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("seeds consistent data: every user's totalPoints is the sum of their point transactions", async () => {
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "User" u
        WHERE u."totalPoints" <> coalesce((SELECT sum(points) FROM "PointTransaction" t WHERE t."userId" = u."privyDid"), 0)`,
    );
    assert.equal(rows[0]?.n, "0");
    const { rows: withPoints } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "User" WHERE "totalPoints" > 0`);
    assert.equal(withPoints[0]?.n, "30");
  });

  it("a pool to an unreachable server fails with a connection error, not a hang", async () => {
    const pool = createPool(parseDatabaseUrl("postgresql://nobody@127.0.0.1:1/none"), { connectionTimeoutMillis: 2000 });
    await assert.rejects(pool.query("SELECT 1"), (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED");
    await pool.end();
  });
});
