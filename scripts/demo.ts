// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// (no server needed). Each step runs a real command, as a user would.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { runCli } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { parseDatabaseUrl } from "./lib/config.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { createScratchProject } from "./lib/migrations/scratch-project.ts";
import { seedDatabase } from "./lib/seed.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** Runs scripts/<script>.ts as a user would, output shown live; returns its exit code. */
function runScriptStep(script: string, args: string[], databaseUrl: string): number {
  const shown = [`pnpm run ${script.replace(/^db-/, "db:")}`, ...args].join(" ");
  process.stdout.write(`$ ${shown}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, `${script}.ts`), ...args], {
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  process.stdout.write(`(exit ${result.status})\n`);
  return result.status ?? 1;
}

/** Safe migrations, on a scratch copy of prisma/ in .data/ so the real history is never touched. */
function demoSafeMigrations(databaseUrl: string): void {
  const project = createScratchProject(path.join(DEMO_DATA_DIR, "demo-migrations"));
  const common = ["--config", project.config, "--backup-dir", project.backupDir];

  step("Safe migrations: a migration that drops User.bio, which still holds data, is blocked with the live counts");
  project.addMigration("20990101000000_drop_user_bio", '-- AlterTable\nALTER TABLE "User" DROP COLUMN "bio";\n');
  runScriptStep("db-safe-migrate", ["--dry-run", ...common], databaseUrl);

  step("Safe migrations: the drop is withdrawn; a safe migration goes through db:migrate-deploy (backup, deploy, row counts)");
  rmSync(path.join(project.migrationsDir, "20990101000000_drop_user_bio"), { recursive: true });
  project.addMigration("20990102000000_add_user_nickname", 'SET lock_timeout = \'5s\';\n-- AlterTable\nALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
  runScriptStep("db-migrate-deploy", common, databaseUrl);
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

    demoSafeMigrations(url);
  } finally {
    await pool.end();
    await server.stop();
  }
  step("Done. The demo database is kept in .data/ until the next `pnpm demo`.");
});
