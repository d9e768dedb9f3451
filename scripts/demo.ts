// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// (no server needed). Each step runs a real command, as a user would.
import { runCli } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { parseDatabaseUrl } from "./lib/config.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { seedDatabase } from "./lib/seed.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

await runCli(async () => {
  step(`Starting an embedded PostgreSQL 17 in ${DEMO_DATA_DIR} and applying prisma/migrations`);
  const { server, url } = await startDemoDatabase();
  const pool = createPool(parseDatabaseUrl(url));
  try {
    const applied = await pool.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    process.stdout.write(`applied ${applied.rowCount} migrations: ${applied.rows.map((r) => r.migration_name).join(", ")}\n`);

    step("Seeding a small synthetic data set (users, follows, comments, likes, points, achievements)");
    const counts = await seedDatabase(pool, { users: 200 });
    for (const [table, rows] of Object.entries(counts)) process.stdout.write(`  ${table.padEnd(18)} ${rows}\n`);
  } finally {
    await pool.end();
    await server.stop();
  }
  step("Done. The demo database is kept in .data/ until the next `pnpm demo`.");
});
