// Adopting the analyzer in a project that already has a history: lint only
// what changed since a git ref (in a real temporary repository), a baseline
// of known findings, suppressions kept in the baseline file instead of the
// (applied) migrations, and the schema engine read from prisma.config.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { engineOfConfig } from "../../scripts/lib/migrations/engine.ts";
import { lintMigrations } from "../../scripts/lib/migrations/lint.ts";

const ADAPTER = { engine: "adapter-pg" as const, source: "test" };
const scratch = mkdtempSync(path.join(os.tmpdir(), "pdg-adoption-"));

function addMigration(migrations: string, name: string, sql: string): void {
  mkdirSync(path.join(migrations, name), { recursive: true });
  writeFileSync(path.join(migrations, name, "migration.sql"), sql);
}

const rulesOf = (analysis: { findings: Array<{ rule: string }> }) => analysis.findings.map((f) => f.rule).filter((r) => r !== "missing-lock-timeout");

describe("--changed-from in a git repository", () => {
  const repo = path.join(scratch, "repo");
  const migrations = path.join(repo, "prisma", "migrations");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" }).toString();
  before(() => {
    mkdirSync(repo, { recursive: true });
    git("init", "-q", "-b", "main");
    git("config", "user.email", "test@example.com");
    git("config", "user.name", "test");
    addMigration(migrations, "20240101000000_init", 'CREATE TABLE "Post" ("id" TEXT PRIMARY KEY, "title" VARCHAR(20));\n');
    addMigration(migrations, "20240102000000_old_drop", 'ALTER TABLE "Post" DROP COLUMN "legacy";\n');
    addMigration(migrations, "20240103000000_gone", 'SELECT 1;\n');
    git("add", ".");
    git("commit", "-q", "-m", "history");
    git("checkout", "-q", "-b", "feature");
    addMigration(migrations, "20240201000000_widen", 'ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(50);\nDROP TABLE "Audit";\n');
    git("add", ".");
    git("commit", "-q", "-m", "feature");
    writeFileSync(path.join(migrations, "20240101000000_init", "migration.sql"), 'CREATE TABLE "Post" ("id" TEXT PRIMARY KEY, "title" VARCHAR(20));\n-- edited\n');
    rmSync(path.join(migrations, "20240103000000_gone"), { recursive: true });
    addMigration(migrations, "20240202000000_untracked", 'TRUNCATE "Post";\n');
  });

  it("reports only migrations added or modified since the merge base (committed, edited or untracked), judged on the whole history", async () => {
    const result = await lintMigrations({ paths: [migrations], engine: ADAPTER, changedFrom: "main" });
    assert.deepEqual(result.analyses.map((a) => a.name), ["20240101000000_init", "20240201000000_widen", "20240202000000_untracked"]);
    assert.deepEqual(result.changedFrom?.migrations, ["20240101000000_init", "20240201000000_widen", "20240202000000_untracked"]);
    assert.equal(result.changedFrom?.base, git("rev-parse", "main").trim());
    // VARCHAR(20) -> VARCHAR(50) is known to be free only because the history before it was replayed.
    assert.deepEqual(rulesOf(result.analyses[1]!), ["drop-table"]);
    assert.equal(result.blocking, 2, "DROP TABLE and TRUNCATE; the old DROP COLUMN is not reported");
    assert.ok(result.notes.some((note) => /^20240101000000_init was modified since main: a database that already applied it now sees another checksum/.test(note)), result.notes.join("\n"));
    assert.ok(result.notes.some((note) => /^20240103000000_gone was removed since main/.test(note)), result.notes.join("\n"));
  });

  it("refuses a ref git does not know, saying how to fetch it", async () => {
    await assert.rejects(lintMigrations({ paths: [migrations], engine: ADAPTER, changedFrom: "origin/nope" }), /--changed-from origin\/nope: git cannot find where HEAD left origin\/nope .*fetch-depth: 0/);
  });
});

describe("the baseline file", () => {
  const migrations = path.join(scratch, "baseline", "prisma", "migrations");
  const file = path.join(scratch, "baseline", "prisma", "safe-migrate-baseline.json");
  before(() => {
    addMigration(migrations, "20240101000000_drop_bio", 'ALTER TABLE "User" DROP COLUMN "bio";\nALTER TABLE "User" DROP COLUMN "image";\n');
  });
  const baseline = (content: object) => writeFileSync(file, JSON.stringify({ version: 1, ...content }));

  it("suppressions in the baseline allow a finding without editing the migration, and are reported as such", async () => {
    baseline({ suppressions: [{ migration: "20240101000000_drop_bio", rule: "drop-column", line: 1, reason: "bio moved to Profile (#12)" }], findings: [] });
    const result = await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } });
    const [bio, image] = result.analyses[0]!.findings.filter((f) => f.rule === "drop-column");
    assert.deepEqual(bio!.suppressed, { line: 0, reason: "bio moved to Profile (#12)", baseline: file });
    assert.equal(image!.suppressed, undefined, "line 2 is not covered by a suppression for line 1");
    assert.equal(result.blocking, 1);
  });

  it("recorded findings do not block, new ones do; stale entries and unknown rules or migrations are reported", async () => {
    const written = await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: false }, writeBaseline: true });
    assert.equal(written.wroteBaseline?.findings, 2, "the drop of image and the missing lock_timeout (bio is suppressed)");
    assert.equal(written.blocking, 0);
    const again = await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } });
    assert.equal(again.blocking, 0);
    assert.equal(again.baselined, 2);
    addMigration(migrations, "20240102000000_truncate", 'TRUNCATE "Like";\n');
    const later = await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } });
    assert.equal(later.blocking, 1, "only the new TRUNCATE blocks");
    baseline({ suppressions: [{ migration: "20240199000000_missing", rule: "drop-colum", reason: "typo" }], findings: [{ migration: "20240101000000_drop_bio", rule: "drop-table", statement: "0000000000000000" }] });
    const warned = await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } });
    assert.ok(warned.notes.some((n) => /unknown rule "drop-colum"/.test(n)), warned.notes.join("\n"));
    assert.ok(warned.notes.some((n) => /names 20240199000000_missing, which is not among the migrations read/.test(n)), warned.notes.join("\n"));
    assert.ok(warned.notes.some((n) => /1 recorded finding\(s\) no longer occur/.test(n)), warned.notes.join("\n"));
  });

  it("refuses a baseline that is not valid, or a suppression without a reason", async () => {
    writeFileSync(file, "{ not json");
    await assert.rejects(lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } }), /not valid JSON/);
    baseline({ suppressions: [{ migration: "20240101000000_drop_bio", rule: "drop-column", reason: " " }] });
    await assert.rejects(lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } }), /suppressions\[0\] .* needs a "reason"/);
    rmSync(file);
    await assert.rejects(lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: true } }), /does not exist; write it with db:lint-migrations --write-baseline/);
    assert.equal((await lintMigrations({ paths: [migrations], engine: ADAPTER, baseline: { file, required: false } })).blocking, 3);
  });
});

describe("the schema engine from prisma.config.ts", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const config = (name: string, text: string) => {
    const file = path.join(scratch, name);
    writeFileSync(file, text);
    return file;
  };

  it('engine "js" is the adapter; "classic" or none is the native engine; comments and strings are not settings; a computed value is imported', async () => {
    assert.equal((await engineOfConfig(path.join(import.meta.dirname, "..", "..", "prisma.config.ts"))).engine, "adapter-pg");
    assert.equal((await engineOfConfig(config("a.ts", 'export default { engine: "classic" };\n'))).engine, "native");
    assert.equal((await engineOfConfig(config("b.ts", '// engine: "js"\nexport default { url: "postgres://h//engine: \'js\'" };\n'))).engine, "native");
    assert.equal((await engineOfConfig(config("c.ts", 'const kind = "j" + "s";\nexport default { engine: kind };\n'))).engine, "adapter-pg");
    await assert.rejects(engineOfConfig(config("d.ts", 'export default { engine: "rust" };\n')), /unknown schema engine "rust"/);
  });
});
