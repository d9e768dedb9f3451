// db:lint-migrations as CI runs it: exit codes, --json, SARIF (validated
// against the SARIF 2.1.0 schema), GitHub annotations, the schema engine read
// from prisma.config.ts, an unparsable file among others, the baseline.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { Log as SarifLog } from "sarif";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { runScript } from "../helpers/cli.ts";

const require = createRequire(import.meta.url);

/**
 * The SARIF 2.1.0 JSON schema (OASIS, rtm.5 = the 2.1.0 release) as
 * @microsoft/jest-sarif ships it: draft-04, so ajv-draft-04, with ajv-formats
 * for its uri formats (its language-tag pattern needs non-unicode regexps).
 */
function sarifValidator() {
  const Ajv = require("ajv-draft-04") as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };
  const addFormats = require("ajv-formats") as (ajv: object) => void;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object);
}

const CORPUS = path.join(import.meta.dirname, "corpus");
const scratch = mkdtempSync(path.join(os.tmpdir(), "pdg-lint-"));

describe("db:lint-migrations", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("passes the project's own migration history (exit 0, findings listed, none blocking)", async () => {
    const result = await runScript("db-lint-migrations");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 migration\(s\), \d+ statement\(s\): 0 data-loss/);
    assert.match(result.stdout, /^Schema engine: Prisma's Wasm schema engine through @prisma\/adapter-pg .*prisma\.config\.ts: engine "js"/m);
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

  it("reports an unparsable file with its file and line, still analyses every other file, and --json prints the report", async () => {
    const migrations = path.join(scratch, "broken-history");
    const add = (name: string, sql: string) => {
      mkdirSync(path.join(migrations, name), { recursive: true });
      writeFileSync(path.join(migrations, name, "migration.sql"), sql);
    };
    add("20990101000000_first", 'ALTER TABLE "User" DROP COLUMN "bio";\n');
    add("20990102000000_broken", 'SELECT 1;\nALTER TABLE "User" ADD COLUMN;\n');
    add("20990103000000_third", 'DROP TABLE "Like";\n');
    const result = await runScript("db-lint-migrations", ["--json", migrations]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { unparsable: number; analyses: Array<{ name: string; error?: { line: number; message: string }; findings: Array<{ rule: string }> }> };
    assert.equal(report.unparsable, 1);
    assert.deepEqual(report.analyses.map((a) => [a.name, a.error?.line ?? null, a.findings.map((f) => f.rule).filter((r) => r !== "missing-lock-timeout")]), [
      ["20990101000000_first", null, ["drop-column"]],
      ["20990102000000_broken", 2, []],
      ["20990103000000_third", null, ["drop-table"]],
    ]);
    assert.match(report.analyses[1]!.error!.message, /20990102000000_broken\/migration\.sql:2: PostgreSQL cannot parse this migration/);
    assert.match(result.stderr, /error: .*20990102000000_broken\/migration\.sql:2: PostgreSQL cannot parse/);
    assert.match(result.stderr, /1 migration file\(s\) PostgreSQL cannot parse/);
  });

  it("--json prints a report also when the run cannot happen (exit 2)", async () => {
    const result = await runScript("db-lint-migrations", ["--json", path.join(scratch, "nope")]);
    assert.equal(result.code, 2);
    const report = JSON.parse(result.stdout) as { error: string; exitCode: number };
    assert.equal(report.exitCode, 2);
    assert.match(report.error, /nope does not exist/);
  });

  it("--format sarif writes a SARIF 2.1.0 log that the OASIS schema accepts: errors, warnings, suppressions, relative paths", async () => {
    const broken = path.join(scratch, "zz-broken.sql");
    writeFileSync(broken, "SELEC 1;\n");
    const corpus = (file: string) => path.relative(PROJECT_ROOT, path.join(CORPUS, file));
    const result = await runScript("db-lint-migrations", ["--format", "sarif", corpus("suppressed-statement.sql"), corpus("index.fires.sql"), broken]);
    assert.equal(result.code, 1);
    const log = JSON.parse(result.stdout) as SarifLog;
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors));
    const results = log.runs[0]!.results!;
    const summary = results.map((r) => `${r.ruleId}@${r.locations![0]!.physicalLocation!.artifactLocation!.uri}:${r.locations![0]!.physicalLocation!.region!.startLine}:${r.level}${r.suppressions ? ":suppressed" : ""}`);
    assert.ok(summary.includes("drop-column@tests/migrations/corpus/suppressed-statement.sql:4:error:suppressed"), summary.join("\n"));
    assert.ok(summary.includes("drop-column@tests/migrations/corpus/suppressed-statement.sql:7:error"), summary.join("\n"));
    assert.ok(summary.includes("create-index-non-concurrent@tests/migrations/corpus/index.fires.sql:2:warning"), summary.join("\n"));
    assert.ok(summary.includes(`unparsable-sql@${pathToFileURL(broken).href}:1:error`), summary.join("\n"));
    const ruleIds = log.runs[0]!.tool.driver.rules!.map((rule) => rule.id);
    for (const r of results) assert.ok(ruleIds.includes(r.ruleId!), `rule ${r.ruleId} is described`);
    const malformed = { ...log, runs: [{ ...log.runs[0]!, results: [{ ...results[0]!, level: "fatal" }] }] };
    assert.equal(validate(malformed), false, "the validator does reject a malformed log");
  });

  it("decides the schema engine from prisma.config.ts: the native engine runs the file as one transaction", async () => {
    const config = path.join(scratch, "native.config.ts");
    writeFileSync(config, '// engine: "js" in a comment does not count\nexport default { engine: "classic", schema: "prisma/schema.prisma" };\n');
    const file = path.join(CORPUS, "concurrently-multi-statement.sql");
    const native = await runScript("db-lint-migrations", ["--json", "--config", config, file]);
    assert.equal(native.code, 0, native.stderr);
    const report = JSON.parse(native.stdout) as { engine: { engine: string }; analyses: Array<{ findings: Array<{ rule: string }> }> };
    assert.equal(report.engine.engine, "native");
    assert.deepEqual(report.analyses[0]!.findings.map((f) => f.rule), ["concurrently-in-transaction"]);
    assert.match(native.stderr, /Schema engine: Prisma's native schema engine/);
  });

  it("--write-baseline records today's findings; the next run fails only on new ones", async () => {
    const migrations = path.join(scratch, "baseline-history", "migrations");
    mkdirSync(path.join(migrations, "20990101000000_old_drop"), { recursive: true });
    writeFileSync(path.join(migrations, "20990101000000_old_drop", "migration.sql"), 'ALTER TABLE "User" DROP COLUMN "bio";\n');
    const written = await runScript("db-lint-migrations", ["--write-baseline", migrations]);
    assert.equal(written.code, 0, written.stderr);
    const file = path.join(scratch, "baseline-history", "safe-migrate-baseline.json");
    assert.match(written.stdout, /Wrote 2 finding\(s\) to .*safe-migrate-baseline\.json/);
    const baseline = JSON.parse(readFileSync(file, "utf8")) as { findings: Array<{ migration: string; rule: string }> };
    assert.deepEqual(baseline.findings.map((f) => `${f.migration} ${f.rule}`).sort(), ["20990101000000_old_drop drop-column", "20990101000000_old_drop missing-lock-timeout"]);
    mkdirSync(path.join(migrations, "20990102000000_new_drop"), { recursive: true });
    writeFileSync(path.join(migrations, "20990102000000_new_drop", "migration.sql"), 'ALTER TABLE "User" DROP COLUMN "image";\n');
    const next = await runScript("db-lint-migrations", [migrations]);
    assert.equal(next.code, 1);
    assert.match(next.stdout, /20990101000000_old_drop\/migration\.sql:1 {2}data-loss {2}drop-column {2}\(baselined\)/);
    assert.match(next.stdout, /20990102000000_new_drop\/migration\.sql:1 {2}data-loss {2}drop-column {2}\(blocks\)/);
    assert.match(next.stdout, /1 unsuppressed data-loss finding/);
  });
});
