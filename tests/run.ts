// `pnpm test`: provides a real PostgreSQL and a real S3 server, applies the
// migrations once into a template database, then runs every
// tests/**/*.test.ts with node's test runner. Each test file clones the
// template (CREATE DATABASE … TEMPLATE) and writes under its own S3 prefix.
//   default: an embedded PostgreSQL 17 and an embedded S3 server (s3rver), in temporary directories
//   TEST_DATABASE_URL=postgresql://…: that PostgreSQL server instead
//   TEST_S3_URL=s3://bucket[/prefix]: that bucket instead, reached with the standard AWS_* variables
//     (credentials, AWS_REGION, AWS_ENDPOINT_URL_S3 for a server other than AWS S3)
// Arguments are forwarded to the runner (e.g. a test file to run alone).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../scripts/lib/config.ts";
import { dropDatabase, recreateMigratedDatabase } from "../scripts/lib/database-admin.ts";
import { startEmbeddedPostgres } from "../scripts/lib/embedded-postgres.ts";
import { startEmbeddedS3 } from "../scripts/lib/embedded-s3.ts";
import { redactCredentials } from "../scripts/lib/redact.ts";

const TEMPLATE = `pdg_template_${process.pid}`;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const TEST_BUCKET = "pdg-test";

/** The S3 location tests write under, and the AWS_* variables that reach it. */
async function provideS3(): Promise<{ location: string; env: Record<string, string>; stop(): Promise<void> }> {
  const external = process.env.TEST_S3_URL?.trim();
  if (external) {
    console.log(`tests: using TEST_S3_URL (${external}) with the AWS_* variables of this environment`);
    return { location: external.replace(/\/+$/, ""), env: {}, stop: async () => {} };
  }
  const directory = mkdtempSync(path.join(os.tmpdir(), "pdg-test-s3-"));
  const server = await startEmbeddedS3({ directory, buckets: [TEST_BUCKET] });
  console.log(`tests: embedded S3 server (s3rver) on port ${server.port}`);
  return {
    location: `s3://${TEST_BUCKET}`,
    // The developer's own AWS profile or session must never reach a test.
    env: { ...server.env, AWS_PROFILE: "", AWS_SESSION_TOKEN: "", AWS_ENDPOINT_URL: "" },
    async stop() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<number> {
  const s3 = await provideS3();
  try {
    return await runSuite(s3);
  } finally {
    await s3.stop();
  }
}

async function runSuite(s3: { location: string; env: Record<string, string> }): Promise<number> {
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
          env: { ...process.env, ...s3.env, PDG_TEST_ADMIN_URL: adminUrl, PDG_TEST_TEMPLATE: TEMPLATE, PDG_TEST_S3_LOCATION: s3.location },
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
