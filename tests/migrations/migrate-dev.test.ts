// db:migrate (the development path) on real PostgreSQL: refuses production-
// looking databases, runs `prisma migrate dev` with forwarded arguments behind
// the backup and integrity check, and analyses the migration it wrote.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { runScript } from "../helpers/cli.ts";
import { seededProject } from "../helpers/scratch.ts";

describe("db:migrate", () => {
  const seeded = seededProject(20);

  const migrate = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runScript("db-migrate", ["--config", seeded.project.config, "--backup-dir", seeded.project.backupDir, ...args], { DATABASE_URL: seeded.db.url, ...env });

  it("refuses NODE_ENV=production with exit 2, pointing to db:migrate-deploy", async () => {
    const result = await migrate(["--", "--name", "x"], { NODE_ENV: "production" });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: refusing to run prisma migrate dev: DATABASE_URL looks like production \(NODE_ENV is production\)\. Deploy with `pnpm run db:migrate-deploy` instead\./m);
  });

  it("refuses a host listed in PRODUCTION_DATABASE_HOSTS", async () => {
    const result = await migrate(["--", "--name", "x"], { PRODUCTION_DATABASE_HOSTS: "db.example.com, 127.0.0.1" });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /its host 127\.0\.0\.1 is listed in PRODUCTION_DATABASE_HOSTS/);
  });

  it("creates and applies a migration from a schema change, forwarding --name, with counts unchanged", async () => {
    const schemaFile = path.join(seeded.project.dir, "prisma", "schema.prisma");
    const schema = readFileSync(schemaFile, "utf8");
    writeFileSync(schemaFile, schema.replace("  ogReason           String?\n", "  ogReason           String?\n  nickname           String?\n"));
    const result = await migrate(["--json", "--", "--name", "add_nickname"]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as { outcome: string; counts: { before: object; after: object }; created: Array<{ name: string; findings: Array<{ rule: string }> }> };
    assert.equal(report.outcome, "applied");
    assert.deepEqual(report.counts.after, report.counts.before);
    assert.equal(report.created.length, 1);
    assert.match(report.created[0]!.name, /^\d{14}_add_nickname$/);
    assert.deepEqual(report.created[0]!.findings.map((f) => f.rule), ["missing-lock-timeout"]);
    assert.match(result.stderr, /New migration\(s\) written by prisma migrate dev/);
    const column = await seeded.db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'nickname'`);
    assert.equal(column.rowCount, 1);
  });

  it("applies a pending migration first, retrying once on Prisma's known shadow-database glitch", async () => {
    seeded.project.addMigration("20990101000000_add_pronouns", 'ALTER TABLE "User" ADD COLUMN "pronouns" TEXT;\n');
    const schemaFile = path.join(seeded.project.dir, "prisma", "schema.prisma");
    writeFileSync(schemaFile, readFileSync(schemaFile, "utf8").replace("  ogReason           String?\n", "  ogReason           String?\n  pronouns           String?\n"));
    const result = await migrate(["--json", "--", "--name", "nothing_new"]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as { pending: string[]; prismaOutput: string; created: unknown[] };
    assert.deepEqual(report.pending, ["20990101000000_add_pronouns"]);
    if (report.prismaOutput.includes("PostgreSQL shadow DB must be provided through an external factory")) {
      assert.match(result.stderr, /a known Prisma 6\.19 Wasm-engine glitch after it applies pending migrations\); running it once more/);
      assert.match(report.prismaOutput, /--- retry ---[\s\S]*Already in sync/);
    }
    assert.deepEqual(report.created, []);
    const column = await seeded.db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'pronouns'`);
    assert.equal(column.rowCount, 1);
  });
});
