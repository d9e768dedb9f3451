// `pnpm demo`: the toolkit end to end on an embedded PostgreSQL 17 in .data/
// (no server needed). Each step runs a real command, as a user would.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli } from "./lib/cli.ts";
import { createPool } from "./lib/db.ts";
import { parseDatabaseUrl, PROJECT_ROOT } from "./lib/config.ts";
import { DEMO_DATA_DIR, startDemoDatabase } from "./lib/demo-database.ts";
import { OperationError } from "./lib/errors.ts";
import { seedDatabase } from "./lib/seed.ts";
import { exportText, seededPrivyDid, syntheticRecord } from "./lib/privy/synthetic-export.ts";

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

/** Runs a project script as a user would (`pnpm run …`), showing its output. */
function runScript(script: string, args: string[], databaseUrl: string): Promise<number> {
  process.stdout.write(`$ pnpm run ${script.replace("db-", "db:")} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", `${script}.ts`), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
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
  const pool = createPool(parseDatabaseUrl(url));
  try {
    const applied = await pool.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    process.stdout.write(`applied ${applied.rowCount} migrations: ${applied.rows.map((r) => r.migration_name).join(", ")}\n`);

    step("Seeding a small synthetic data set (users, follows, comments, likes, points, achievements)");
    const counts = await seedDatabase(pool, { users: 200 });
    for (const [table, rows] of Object.entries(counts)) process.stdout.write(`  ${table.padEnd(18)} ${rows}\n`);

    step("Restoring users from a synthetic Privy export in users/ (db:restore-users), then re-running it");
    const sample = path.join(PROJECT_ROOT, "users", "sample-privy-export.tsv");
    await writeSampleExport(sample);
    const report = path.join(PROJECT_ROOT, "users", "sample-privy-export.report.csv");
    const relative = path.relative(PROJECT_ROOT, sample);
    if ((await runScript("db-restore-users", [relative, "--report", path.relative(PROJECT_ROOT, report)], url)) !== 0) {
      throw new OperationError("db:restore-users failed on the sample export");
    }
    process.stdout.write("\nThe same file again: every user is now skipped as existing, nothing is imported twice.\n");
    if ((await runScript("db-restore-users", [relative], url)) !== 0) throw new OperationError("db:restore-users re-run failed");
  } finally {
    await pool.end();
    await server.stop();
  }
  step("Done. The demo database is kept in .data/ until the next `pnpm demo`.");
});
