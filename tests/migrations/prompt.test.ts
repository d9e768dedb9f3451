// db:safe-migrate on a terminal asks before applying data-loss findings (run
// under `script`, which gives it a pseudo-terminal); with CI set it never asks.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import { shellQuote } from "../../scripts/lib/migrations/prisma-project.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";

/** Runs db:safe-migrate inside a pseudo-terminal, typing `answer`. */
function onTerminal(db: TestDatabase, project: ScratchProject, answer: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  const command = [process.execPath, ...scriptArgs("db-safe-migrate", ["--config", project.config, "--backup-dir", project.backupDir])]
    .map(shellQuote)
    .join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: "test", CI: "", GITHUB_ACTIONS: "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Type "yes" to proceed')) child.stdin.end(`${answer}\n`);
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
    if (env.CI) child.stdin.end();
  });
}

describe("db:safe-migrate on a terminal", () => {
  let db: TestDatabase;
  let project: ScratchProject;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 10 });
    project = createScratchProject(mkdtempSync(path.join(os.tmpdir(), "pdg-prompt-")));
    project.addMigration("20990101000000_drop_bio", 'ALTER TABLE "User" DROP COLUMN "bio";\n');
  });
  after(async () => {
    await db.drop();
    project.remove();
  });

  const hasBio = async () => (await db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'bio'`)).rowCount === 1;

  it("never prompts when CI is set: blocked", async () => {
    const result = await onTerminal(db, project, "", { CI: "true" });
    assert.equal(result.code, 1, result.output);
    assert.doesNotMatch(result.output, /Type "yes" to proceed/);
    assert.match(result.output, /Blocked: 1 data-loss finding/);
    assert.ok(await hasBio());
  });

  it("asks, and anything but yes leaves the database untouched", async () => {
    const result = await onTerminal(db, project, "no");
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /despite 1 data-loss finding\(s\)\? A pre-migration backup is taken first\. Type "yes" to proceed/);
    assert.ok(await hasBio());
  });

  it("applies after yes, with the pre-migration backup and the allowed-alert", async () => {
    const result = await onTerminal(db, project, "yes");
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /ALERT warning: Destructive migration allowed on .* \(confirmed at the prompt\)/);
    assert.match(result.output, /Pre-migration backup: /);
    assert.equal(await hasBio(), false);
  });
});
