// The analyzer against a corpus of migration files with expected findings:
// every rule firing, every rule silent on its safe form and on keywords in
// comments, strings and identifiers, suppressions, multi-statement files.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { analyzeMigration } from "../../scripts/lib/migrations/analyze.ts";
import { formatAnalyses } from "../../scripts/lib/migrations/report.ts";
import { RULES } from "../../scripts/lib/migrations/rules/catalog.ts";

const CORPUS = path.join(import.meta.dirname, "corpus");
const expected = JSON.parse(readFileSync(path.join(CORPUS, "expected.json"), "utf8")) as Record<string, string[]>;
const files = readdirSync(CORPUS).filter((file) => file.endsWith(".sql")).sort();

async function analyze(file: string) {
  return analyzeMigration({ name: file, file, sql: readFileSync(path.join(CORPUS, file), "utf8") });
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
    it(`${file}: exactly the expected findings`, async () => {
      const analysis = await analyze(file);
      assert.deepEqual(analysis.findings.map(signature).sort(), [...(expected[file] ?? [])].sort());
    });
  }

  it("fires every rule somewhere in a *.fires.sql file", () => {
    const fired = new Set(
      Object.entries(expected).filter(([file]) => file.endsWith(".fires.sql")).flatMap(([, list]) => list.map((entry) => entry.split("@")[0])),
    );
    assert.deepEqual(Object.keys(RULES).filter((rule) => !fired.has(rule)), []);
  });

  it("reports nothing on the safe forms (and their files exist)", () => {
    const safe = files.filter((file) => file.endsWith(".safe.sql"));
    assert.ok(safe.length >= 15, `only ${safe.length} safe-form files`);
    for (const file of safe) assert.deepEqual(expected[file], [], file);
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

  it("rejects SQL PostgreSQL cannot parse with the file and line", async () => {
    await assert.rejects(
      analyzeMigration({ name: "bad", file: "bad.sql", sql: "SELECT 1;\n\nALTER TABLE \"User\" DROPP COLUMN x;" }),
      /bad\.sql:3: PostgreSQL cannot parse this migration/,
    );
  });
});
