// All tables are read in one snapshot: writes committed while a backup runs
// appear in no file, so counts and foreign keys agree across files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { createBackup, readTableRows, verifyBackupSet, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { entryOf, removeDir, tempDir } from "./support.ts";

/** Inserts a user and a point transaction for it in one committed transaction, from another process. */
const WRITER = `
  const pg = require("pg");
  (async () => {
    const client = new pg.Client(process.env.TARGET_URL);
    await client.connect();
    await client.query("BEGIN");
    await client.query(\`INSERT INTO "User" ("privyDid", username, "referralCode", "updatedAt")
                         VALUES ('did:privy:during', 'during_backup', 'RDURING', now())\`);
    await client.query(\`INSERT INTO "PointTransaction" (id, "userId", points, "actionType")
                         VALUES ('pt_during', 'did:privy:during', 5, 'ADMIN_ADJUSTMENT')\`);
    await client.query("COMMIT");
    await client.end();
  })().catch((error) => { console.error(error.message); process.exit(1); });`;

type Row = Record<string, unknown>;

async function rowsOf(summaryPath: string, summary: BackupSummary, table: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of readTableRows(summaryPath, entryOf(summary, table))) rows.push(JSON.parse(row) as Row);
  return rows;
}

describe("one consistent snapshot while the app keeps writing", () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 1500 });
  });
  after(async () => {
    await db.drop();
    for (const dir of dirs) await removeDir(dir);
  });

  it("a user and its points committed after User was read and before PointTransaction is read appear in neither file", async () => {
    const outDir = await tempDir("consistency");
    dirs.push(outDir);
    const before = await db.pool.query<{ users: number; points: number }>(
      `SELECT (SELECT count(*)::int FROM "User") AS users, (SELECT count(*)::int FROM "PointTransaction") AS points`,
    );
    let wroteDuringBackup = false;
    const tablesDone: string[] = [];
    const { summaryPath, summary } = await createBackup({
      target: db.target,
      outDir,
      kind: "manual",
      onProgress: ({ table, rows }) => {
        if (rows === 0) tablesDone.push(table);
        // Runs synchronously before the PointTransaction COPY starts, after User was copied.
        if (table === "PointTransaction" && rows === 0 && !wroteDuringBackup) {
          const writer = spawnSync(process.execPath, ["-e", WRITER], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, TARGET_URL: db.url },
            encoding: "utf8",
          });
          assert.equal(writer.status, 0, writer.stderr);
          wroteDuringBackup = true;
        }
      },
    });
    assert.ok(wroteDuringBackup);
    assert.ok(tablesDone.indexOf("User") < tablesDone.indexOf("PointTransaction"), "User is copied before PointTransaction");

    const live = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PointTransaction" WHERE id = 'pt_during'`);
    assert.equal(live.rows[0]!.n, 1, "the write was committed during the backup");

    assert.equal(summary.counts.User, before.rows[0]!.users);
    assert.equal(summary.counts.PointTransaction, before.rows[0]!.points);
    const users = await rowsOf(summaryPath, summary, "User");
    const points = await rowsOf(summaryPath, summary, "PointTransaction");
    assert.ok(!users.some((u) => u.privyDid === "did:privy:during"));
    assert.ok(!points.some((p) => p.id === "pt_during"));
    const userIds = new Set(users.map((u) => u.privyDid));
    assert.ok(points.every((p) => userIds.has(p.userId)), "every point transaction's user is in the users file");
  });

  it("files agree on counts and foreign keys under a continuous stream of writes and deletes", async () => {
    const outDir = await tempDir("consistency-stream");
    dirs.push(outDir);
    let running = true;
    let committed = 0;
    let committedAtStart = -1;
    const writer = (async () => {
      for (let i = 0; running && i < 100_000; i++) {
        const client = await db.pool.connect();
        try {
          await client.query("BEGIN");
          await client.query(
            `INSERT INTO "User" ("privyDid", username, "referralCode", "updatedAt") VALUES ($1, $2, $3, now())`,
            [`did:privy:w${i}`, `writer_${i}`, `RW${i}`],
          );
          await client.query(`INSERT INTO "PointTransaction" (id, "userId", points, "actionType") VALUES ($1, $2, 1, 'FOLLOW')`, [`pt_w${i}`, `did:privy:w${i}`]);
          await client.query(`INSERT INTO "Follow" ("followerId", "followingId") VALUES ($1, 'did:privy:cm00000000000000000000001')`, [`did:privy:w${i}`]);
          // Deleting a seeded user cascades to its follows, comments, likes and points.
          await client.query(`DELETE FROM "User" WHERE "privyDid" = (SELECT "privyDid" FROM "User" WHERE username LIKE 'user_%' ORDER BY username DESC LIMIT 1)`);
          await client.query("COMMIT");
          committed++;
        } finally {
          client.release();
        }
      }
    })();
    // Let the writer get going, then back up while it runs.
    while (committed < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    const { summaryPath, summary } = await createBackup({
      target: db.target,
      outDir,
      kind: "manual",
      onProgress: () => {
        if (committedAtStart < 0) committedAtStart = committed;
      },
    });
    const committedAtEnd = committed;
    running = false;
    await writer;
    assert.ok(committedAtEnd > committedAtStart, `writes committed during the backup (${committedAtStart} → ${committedAtEnd})`);

    assert.equal((await verifyBackupSet(summaryPath)).ok, true);
    const users = await rowsOf(summaryPath, summary, "User");
    const userIds = new Set(users.map((u) => u.privyDid));
    const comments = await rowsOf(summaryPath, summary, "Comment");
    const commentIds = new Set(comments.map((c) => c.id));
    const references: [string, string[], Set<unknown>][] = [
      ["PointTransaction", ["userId"], userIds],
      ["Follow", ["followerId", "followingId"], userIds],
      ["Comment", ["authorId", "profileId"], userIds],
      ["Like", ["userId"], userIds],
      ["Like", ["commentId"], commentIds],
      ["DailyPointsLog", ["userId"], userIds],
      ["UserAchievement", ["userId"], userIds],
    ];
    for (const [table, columns, targets] of references) {
      const rows = table === "Comment" ? comments : await rowsOf(summaryPath, summary, table);
      for (const column of columns) {
        const dangling = rows.filter((row) => !targets.has(row[column]));
        assert.equal(dangling.length, 0, `${table}.${column}: ${dangling.length} rows point at rows missing from the backup`);
      }
    }
    const writerUsers = users.filter((u) => String(u.privyDid).startsWith("did:privy:w")).length;
    const writerPoints = (await rowsOf(summaryPath, summary, "PointTransaction")).filter((p) => String(p.id).startsWith("pt_w")).length;
    assert.equal(writerPoints, writerUsers, "each writer transaction's user and point transaction are both in, or both out");
  });
});
