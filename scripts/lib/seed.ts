// Synthetic data shaped like the app's production data, generated inside
// PostgreSQL (generate_series) so a million users take seconds, not minutes.
// Used by the demo, the tests and the benchmarks. Every email and wallet is fake.
import type pg from "pg";
import { withTransaction } from "./db.ts";

export interface SeedOptions {
  users: number;
  /** Follows, comments, likes and point transactions per user (on average). */
  perUser?: number;
}

export interface SeedCounts {
  [table: string]: number;
}

const ACHIEVEMENTS = [
  ["First Follow", "Follow someone", "SOCIAL", 10, { follows: 1 }],
  ["Conversationalist", "Write 10 comments", "SOCIAL", 50, { comments: 10 }],
  ["Week Streak", "Log in 7 days in a row", "STREAK", 70, { streak: 7 }],
  ["Whale", "Trade 100 SOL of volume", "TRADING", 500, { volume: { sol: 100, window: null } }],
  ["Recruiter", "Refer 5 friends", "REFERRAL", 250, { referrals: 5 }],
  ["OG", "Joined during the beta", "SPECIAL", 1000, { before: "2025-06-01", note: "beta \"OG\" \\ ✨" }],
] as const;

/** Inserts `users` users and related rows in one transaction; returns the row count per table. */
export async function seedDatabase(pool: pg.Pool, options: SeedOptions): Promise<SeedCounts> {
  const users = options.users;
  const perUser = options.perUser ?? 2;
  await withTransaction(pool, async (db) => {
    for (const [name, description, category, points, requirement] of ACHIEVEMENTS) {
      await db.query(
        `INSERT INTO "Achievement" (id, name, description, category, "pointsReward", requirement)
         VALUES ($1, $2, $3, $4::"AchievementCategory", $5, $6::jsonb) ON CONFLICT (name) DO NOTHING`,
        [`ach_${name.toLowerCase().replace(/\W+/g, "_")}`, name, description, category, points, JSON.stringify(requirement)],
      );
    }
    // Base58-looking wallets and DIDs derived from the row number: deterministic and clearly synthetic.
    await db.query(
      `INSERT INTO "User" ("privyDid", "createdAt", "updatedAt", username, email, bio, "solanaWalletAddress",
                           "embeddedWalletAddress", "totalPoints", "currentStreak", "longestStreak", "lastLoginDate",
                           "referralCode", "referredBy", "totalTradingVolume", "isOG", "ogReason")
       SELECT 'did:privy:cm' || lpad(to_hex(i), 23, '0'),
              timestamptz '2025-03-01 00:00:00+00' + (i * interval '37 seconds'),
              timestamptz '2025-03-01 00:00:00+00' + (i * interval '41 seconds'),
              'user_' || i,
              CASE WHEN i % 4 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
              CASE WHEN i % 3 = 0 THEN '' WHEN i % 3 = 1 THEN NULL ELSE 'gm ☀️ builder #' || i END,
              'So1' || translate(lpad(to_hex(i::bigint * 7919), 38, 'A'), '0l', 'zk'),
              CASE WHEN i % 2 = 0 THEN 'Emb' || translate(lpad(to_hex(i::bigint * 104729), 38, 'B'), '0l', 'zk') END,
              -- totalPoints agrees with the PointTransaction rows inserted below ((i + k) % 50 + 1 for each k).
              (SELECT coalesce(sum((i + k) % 50 + 1), 0)::int FROM generate_series(1, $2::int) AS k), i % 8, i % 30,
              CASE WHEN i % 5 = 0 THEN NULL ELSE timestamptz '2025-07-01 12:00:00+00' + (i % 90) * interval '1 day' END,
              'R' || upper(lpad(to_hex(i), 9, '0')),
              CASE WHEN i > 10 AND i % 3 = 0 THEN 'did:privy:cm' || lpad(to_hex(i / 3), 23, '0') END,
              (i % 1000) * 1.25,
              i <= 25,
              CASE WHEN i <= 25 THEN 'beta tester' END
         FROM generate_series(1, $1::int) AS i`,
      [users, perUser],
    );
    await db.query(
      `INSERT INTO "Follow" ("followerId", "followingId", "createdAt")
       SELECT 'did:privy:cm' || lpad(to_hex(i), 23, '0'),
              'did:privy:cm' || lpad(to_hex(((i + k * 7) % $1::int) + 1), 23, '0'),
              timestamptz '2025-04-01 00:00:00+00' + (i * interval '1 minute')
         FROM generate_series(1, $1::int) AS i, generate_series(1, $2::int) AS k
        WHERE ((i + k * 7) % $1::int) + 1 <> i
       ON CONFLICT DO NOTHING`,
      [users, perUser],
    );
    await db.query(
      `INSERT INTO "Comment" (id, text, "authorId", "profileId", "tapestryCommentId", "createdAt", "updatedAt")
       SELECT 'cmt_' || i || '_' || k,
              CASE (i + k) % 4 WHEN 0 THEN 'gm 🌞' WHEN 1 THEN 'LFG! "to the moon" \\o/'
                                 WHEN 2 THEN E'multi\\nline comment' ELSE 'nice pfp #' || i END,
              'did:privy:cm' || lpad(to_hex(i), 23, '0'),
              'did:privy:cm' || lpad(to_hex(((i + k) % $1::int) + 1), 23, '0'),
              CASE WHEN k = 1 THEN 'tap_' || i END,
              timestamptz '2025-05-01 00:00:00+00' + (i * interval '2 minutes'),
              timestamptz '2025-05-01 00:00:00+00' + (i * interval '2 minutes')
         FROM generate_series(1, $1::int) AS i, generate_series(1, $2::int) AS k`,
      [users, perUser],
    );
    await db.query(
      `INSERT INTO "Like" (id, "userId", "commentId", "createdAt")
       SELECT 'lk_' || i || '_' || k,
              'did:privy:cm' || lpad(to_hex(i), 23, '0'),
              'cmt_' || (((i + k * 3) % $1::int) + 1) || '_1',
              timestamptz '2025-05-02 00:00:00+00' + (i * interval '90 seconds')
         FROM generate_series(1, $1::int) AS i, generate_series(1, $2::int) AS k`,
      [users, perUser],
    );
    await db.query(
      `INSERT INTO "PointTransaction" (id, "userId", points, "actionType", description, metadata, "createdAt")
       SELECT 'pt_' || i || '_' || k,
              'did:privy:cm' || lpad(to_hex(i), 23, '0'),
              (i + k) % 50 + 1,
              (ARRAY['DAILY_LOGIN','FOLLOW','COMMENT','LIKE','REFERRAL','TRADE']::"PointActionType"[])[(i + k) % 6 + 1],
              CASE WHEN k = 1 THEN 'Daily login bonus' END,
              CASE (i + k) % 3 WHEN 0 THEN NULL
                               WHEN 1 THEN jsonb_build_object('streak', i % 8, 'source', 'web')
                               ELSE jsonb_build_object('trade', jsonb_build_object('sol', (i % 100) / 10.0, 'memo', null)) END,
              timestamptz '2025-06-01 00:00:00+00' + (i * interval '1 minute') + (k * interval '1 second')
         FROM generate_series(1, $1::int) AS i, generate_series(1, $2::int) AS k`,
      [users, perUser],
    );
    await db.query(
      `INSERT INTO "UserAchievement" (id, "userId", "achievementId", "unlockedAt")
       SELECT 'ua_' || i, 'did:privy:cm' || lpad(to_hex(i), 23, '0'), 'ach_first_follow',
              timestamptz '2025-06-15 00:00:00+00' + (i * interval '1 minute')
         FROM generate_series(1, $1::int) AS i WHERE i % 2 = 0`,
      [users],
    );
    await db.query(
      `INSERT INTO "DailyPointsLog" (id, "userId", date, points, actions)
       SELECT 'dpl_' || i || '_' || d, 'did:privy:cm' || lpad(to_hex(i), 23, '0'), date '2025-07-01' + d, 10 + d,
              jsonb_build_array(jsonb_build_object('type', 'DAILY_LOGIN', 'points', 10))
         FROM generate_series(1, $1::int) AS i, generate_series(0, 1) AS d`,
      [users],
    );
  });
  return countRows(pool, ["User", "Follow", "Comment", "Like", "PointTransaction", "Achievement", "UserAchievement", "DailyPointsLog"]);
}

export async function countRows(db: pg.Pool | pg.PoolClient, tables: string[]): Promise<SeedCounts> {
  const counts: SeedCounts = {};
  for (const table of tables) {
    const result = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table.replaceAll('"', '""')}"`);
    counts[table] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}
