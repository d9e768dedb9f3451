// The source database of the restore benchmarks: a migrated template, a copy
// of it seeded with N users and their related rows, vacuumed and analysed.
import pg from "pg";
import { createDatabase, dropDatabase, recreateMigratedDatabase } from "../../scripts/lib/database-admin.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";

/** Creates `names.template` (migrated) and `names.source` (a seeded copy of it); returns the source's URL and its row count. */
export async function seededSource(server: string, names: { template: string; source: string }, users: number): Promise<{ url: string; rows: number }> {
  await recreateMigratedDatabase(server, names.template);
  await dropDatabase(server, names.source);
  const url = await createDatabase(server, names.source, names.template);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const rows = Object.values(await seedDatabase(pool, { users })).reduce((sum, n) => sum + n, 0);
    await pool.query("VACUUM ANALYZE");
    return { url, rows };
  } finally {
    await pool.end();
  }
}
