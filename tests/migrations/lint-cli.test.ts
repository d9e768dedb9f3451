// db:lint-migrations as CI runs it: exit codes, --json, GitHub annotations.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runScript } from "../helpers/cli.ts";

const CORPUS = path.join(import.meta.dirname, "corpus");
const scratch = mkdtempSync(path.join(os.tmpdir(), "pdg-lint-"));

describe("db:lint-migrations", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("passes the project's own migration history (exit 0, findings listed, none blocking)", async () => {
    const result = await runScript("db-lint-migrations");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 migration\(s\), \d+ statement\(s\): 0 data-loss/);
    assert.match(result.stdout, /20250602180000_achievements_referrals\/migration\.sql:13 {2}may-fail {2}set-not-null/);
  });

  it("exits 1 on an unsuppressed data-loss finding and says how to proceed", async () => {
    const result = await runScript("db-lint-migrations", [path.join(CORPUS, "drop-column.fires.sql")]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /drop-column\.fires\.sql:2 {2}data-loss {2}drop-column {2}\(blocks\)/);
    assert.match(result.stdout, /1 unsuppressed data-loss finding\(s\).*safe-migrate: allow <rule-id>/);
  });

  it("exits 0 when every data-loss finding is suppressed, and shows the suppression", async () => {
    const file = path.join(scratch, "allowed.sql");
    writeFileSync(file, '-- safe-migrate: allow drop-column replaced by Profile.bio\nALTER TABLE "User" DROP COLUMN "bio";\n');
    const result = await runScript("db-lint-migrations", [file]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /allowed by the comment on line 1: replaced by Profile\.bio/);
  });

  it("prints the findings as JSON on stdout with --json (human output on stderr)", async () => {
    const result = await runScript("db-lint-migrations", ["--json", path.join(CORPUS, "rename.fires.sql")]);
    assert.equal(result.code, 0);
    const report = JSON.parse(result.stdout) as { blocking: number; analyses: Array<{ findings: Array<{ rule: string; line: number; severity: string }> }> };
    assert.equal(report.blocking, 0);
    assert.deepEqual(report.analyses[0]!.findings.map((f) => `${f.rule}@${f.line}:${f.severity}`), ["rename-table@2:breaking", "rename-column@3:breaking"]);
    assert.match(result.stderr, /rename-table/);
  });

  it("writes GitHub annotations when GITHUB_ACTIONS is set", async () => {
    const result = await runScript("db-lint-migrations", [path.join(CORPUS, "suppressed-statement.sql")], { GITHUB_ACTIONS: "true" });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^::error file=[^,]*suppressed-statement\.sql,line=7,title=data-loss%3A drop-column::DROP COLUMN/m);
    assert.match(result.stdout, /^::notice file=[^,]*suppressed-statement\.sql,line=4,title=data-loss%3A drop-column \(allowed\)::/m);
  });

  it("exits 2 with one line for a path that does not exist", async () => {
    const result = await runScript("db-lint-migrations", [path.join(scratch, "nope")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: .*nope does not exist; pass a migrations directory/);
  });

  it("exits 1 naming the file and line when PostgreSQL cannot parse a migration", async () => {
    const dir = path.join(scratch, "migrations", "20990101000000_broken");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), 'SELECT 1;\nALTER TABLE "User" ADD COLUMN;\n');
    const result = await runScript("db-lint-migrations", [path.join(scratch, "migrations")]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /20990101000000_broken\/migration\.sql:2: PostgreSQL cannot parse this migration/);
  });
});
