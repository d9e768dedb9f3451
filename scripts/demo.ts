// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// (no server needed). Each step runs a real command, as a user would.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { runCli } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { parseDatabaseUrl, PROJECT_ROOT } from "./lib/config.ts";
import { OperationError } from "./lib/errors.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { seedDatabase } from "./lib/seed.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** Runs scripts/<script>.ts as a user would (`pnpm run …`), output shown live; returns its exit code. */
function runCommand(script: string, args: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", `${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: "inherit",
  });
  return result.status ?? 1;
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

    step("Status: pnpm run db:status (row counts vs the latest backup, backup age, migrations, health checks)");
    if (runCommand("db-status", [], { DATABASE_URL: url }) !== 0) throw new OperationError("db:status failed on the demo database (see above)");
  } finally {
    await pool.end();
    await server.stop();
  }
  step("Done. The demo database is kept in .data/ until the next `pnpm demo`.");
});
