// `pnpm test`: provides a real PostgreSQL, applies the migrations once into a
// template database, then runs every tests/**/*.test.ts with node's test
// runner. Each test file clones the template (CREATE DATABASE … TEMPLATE).
//   default: an embedded PostgreSQL 17 started in a temporary directory
//   TEST_DATABASE_URL=postgresql://…: that server instead
// Arguments are forwarded to the runner (e.g. a test file to run alone).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../scripts/lib/config.ts";
import { dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres.ts";
import { redactCredentials } from "../scripts/lib/redact.ts";

const TEMPLATE = `pdg_template_${process.pid}`;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

async function main(): Promise<number> {
  const external = process.env.TEST_DATABASE_URL;
  let adminUrl: string;
  let stop = async () => {};
  if (external) {
    adminUrl = external;
    console.log(`tests: using TEST_DATABASE_URL (${redactCredentials(external)})`);
  } else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pdg-test-pg-"));
    const server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.urlFor("postgres");
    stop = async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    console.log(`tests: embedded PostgreSQL 17 on port ${server.port}`);
  }

  try {
    try {
      await recreateMigratedDatabase(adminUrl, TEMPLATE);
    } catch (error) {
      console.error(`tests: preparing the migrated template database failed: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }

    const requested = process.argv.slice(2);
    const files = requested.length > 0 ? requested : testFiles(path.join(PROJECT_ROOT, "tests")).sort();
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...files],
        {
          cwd: PROJECT_ROOT,
          stdio: "inherit",
          env: { ...process.env, PDG_TEST_ADMIN_URL: adminUrl, PDG_TEST_TEMPLATE: TEMPLATE },
        },
      );
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 1));
    });
  } finally {
    await dropDatabase(adminUrl, TEMPLATE).catch(() => {});
    await stop();
  }
}

// embedded-postgres registers async-exit-hook, which calls process.exit(0) on
// 'beforeExit' and so would discard process.exitCode: exit explicitly.
process.exit(await main());
