// The analyzer against a corpus of migration files with expected findings,
// each file under both Prisma schema-engine settings (Prisma's adapter, which
// splits at every ';' and runs no transaction, and the native engine, which
// sends the file as one transaction): every rule firing, every rule silent on
// its safe form, on keywords in comments, strings and identifiers and on
// objects the file creates, suppressions, multi-statement files, and the
// patterns real Prisma histories are full of (backfills, same-name foreign
// keys) as regression tests against false blocks.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { analyzeMigration } from "../../scripts/lib/migrations/analyze.ts";
import { formatAnalyses } from "../../scripts/lib/migrations/report.ts";
import { RULES } from "../../scripts/lib/migrations/rules/catalog.ts";

const CORPUS = path.join(import.meta.dirname, "corpus");
const ENGINES = ["adapter-pg", "native"] as const;
type Engine = (typeof ENGINES)[number];
/** The same findings under both engines, or per engine. */
type Expectation = string[] | Record<Engine, string[]>;
const expected = JSON.parse(readFileSync(path.join(CORPUS, "expected.json"), "utf8")) as Record<string, Expectation>;
const files = readdirSync(CORPUS).filter((file) => file.endsWith(".sql")).sort();

function expectedFor(file: string, engine: Engine): string[] {
  const expectation = expected[file] ?? [];
  return Array.isArray(expectation) ? expectation : expectation[engine];
}

async function analyze(file: string, engine: Engine = "adapter-pg") {
  return analyzeMigration({ name: file, file, sql: readFileSync(path.join(CORPUS, file), "utf8") }, { engine });
}

/** "rule@line:severity" plus "(allowed)" when a suppression comment covers it. */
function signature(finding: { rule: string; line: number; severity: string; suppressed?: unknown }): string {
  return `${finding.rule}@${finding.line}:${finding.severity}${finding.suppressed ? "(allowed)" : ""}`;
}

describe("the migration corpus", () => {
  it("has an expectation for every file and a file for every expectation", () => {
    assert.deepEqual(Object.keys(expected).sort(), files);
  });

  for (const file of files) {
    it(`${file}: exactly the expected findings under both schema engines`, async () => {
      for (const engine of ENGINES) {
        const analysis = await analyze(file, engine);
        assert.deepEqual(analysis.findings.map(signature).sort(), [...expectedFor(file, engine)].sort(), engine);
      }
    });
  }

  it("fires every rule somewhere in a *.fires.sql file", () => {
    const fired = new Set(
      files.filter((file) => file.endsWith(".fires.sql")).flatMap((file) => ENGINES.flatMap((engine) => expectedFor(file, engine).map((entry) => entry.split("@")[0]))),
    );
    assert.deepEqual(Object.keys(RULES).filter((rule) => !fired.has(rule)), []);
  });

  it("reports nothing on the safe forms under either engine (and their files exist)", () => {
    const safe = files.filter((file) => file.endsWith(".safe.sql"));
    assert.ok(safe.length >= 25, `only ${safe.length} safe-form files`);
    for (const file of safe) assert.deepEqual(expected[file], [], file);
  });

  it("models the engines differently where PostgreSQL behaves differently", () => {
    const dependent = files.filter((file) => !Array.isArray(expected[file]));
    for (const file of ["semicolon-split.fires.sql", "concurrently-multi-statement.sql", "enum-value-used.sql", "validate-after-not-valid.sql", "backfill.sql"]) {
      assert.ok(dependent.includes(file), `${file} has per-engine expectations`);
    }
  });

  it("ignores DROP/DELETE/TRUNCATE/ALTER written in comments, strings, dollar quotes and identifiers", async () => {
    const sql = readFileSync(path.join(CORPUS, "keywords-in-comments-strings.safe.sql"), "utf8");
    assert.match(sql, /DROP TABLE "User"/);
    assert.match(sql, /\$\$DROP SCHEMA public CASCADE\$\$/);
    const analysis = await analyze("keywords-in-comments-strings.safe.sql");
    assert.equal(analysis.statements, 4);
    assert.deepEqual(analysis.findings, []);
  });

  it("locates statements by line, counting lines (not bytes) after multi-byte characters", async () => {
    const analysis = await analyze("unicode-lines.sql");
    assert.equal(analysis.findings[0]?.line, 4);
    assert.equal(analysis.findings[0]?.statement, 'DELETE FROM "Like"');
  });

  it("echoes the suppression and its reason in the report, and leaves uncovered statements blocking", async () => {
    const analysis = await analyze("suppressed-statement.sql");
    const text = formatAnalyses([analysis]).join("\n");
    assert.match(text, /allowed by the comment on line 3: bio moved to the Profile table \(#123\)/);
    assert.match(text, /suppressed-statement\.sql:7 {2}data-loss {2}drop-column {2}\(blocks\)/);
  });

  it("warns about a suppression naming an unknown rule, which then suppresses nothing", async () => {
    const analysis = await analyze("suppressed-file.sql");
    assert.equal(analysis.warnings.length, 1);
    assert.match(analysis.warnings[0]!, /suppressed-file\.sql:6: unknown rule "drop-colum"/);
    assert.equal(analysis.findings.find((finding) => finding.rule === "drop-column")?.suppressed, undefined);
  });

  it("declares the tables a migration drops, truncates or deletes from (their counts may fall)", async () => {
    assert.deepEqual((await analyze("suppressed-file.sql")).declaredRowLoss.sort(), ["public.DailyPointsLog", "public.PointTransaction"]);
    assert.deepEqual((await analyze("delete-update.safe.sql")).declaredRowLoss, ["public.PointTransaction"]);
  });

  it("treats tables created by an earlier pending migration as new", async () => {
    const sql = 'CREATE INDEX "Badge_code_idx" ON "Badge"("code");';
    const alone = await analyzeMigration({ name: "m2", file: "m2.sql", sql });
    const afterCreate = await analyzeMigration({ name: "m2", file: "m2.sql", sql }, { createdBefore: ["public.Badge"] });
    assert.deepEqual(alone.findings.map((finding) => finding.rule).sort(), ["create-index-non-concurrent", "missing-lock-timeout"]);
    assert.deepEqual(afterCreate.findings, []);
  });

  it("reports SQL PostgreSQL cannot parse with the file and line, instead of findings", async () => {
    const analysis = await analyzeMigration({ name: "bad", file: "bad.sql", sql: "SELECT 1;\n\nALTER TABLE \"User\" DROPP COLUMN x;" });
    assert.equal(analysis.error?.line, 3);
    assert.match(analysis.error!.message, /bad\.sql:3: PostgreSQL cannot parse this migration/);
    assert.deepEqual(analysis.findings, []);
  });
});
