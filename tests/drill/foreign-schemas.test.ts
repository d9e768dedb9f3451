// A drill of schemas we did not write — every built-in type at its extremes,
// generated columns, inheritance, json kept byte for byte, tables without
// keys, sequences of every kind, two schemas — taken as a Prisma project's
// migrations. The set is taken on the suite's server and drilled on the
// embedded PostgreSQL 17: when the suite runs on the machine's PostgreSQL 15
// (TEST_DATABASE_URL, CI's second pass), every row digest proves that COPY's
// text of every value is the same on 15 and 17.
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import { runPrismaCliCaptured } from "../../scripts/lib/prisma-cli.ts";
import { removeDir, tempDir } from "../backup/support.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { corpusSchemas } from "../restore/corpus-support.ts";
import { assertNothingLeft, checkOf, drillTempDir, runDrill } from "./support.ts";

/** The corpus schemas a Prisma migration can hold (the others define PL/pgSQL functions, whose ";" this project's schema engine splits). */
const AS_MIGRATIONS = ["all-types", "generated", "inheritance", "json", "keyless", "sequences", "multi-schema"];

describe("db:restore-drill of foreign schemas, on PostgreSQL 17 whatever the source's version", () => {
  let source: TestDatabase;
  let project: ScratchProject;
  let outDir: string;
  let tmp: string;
  let set: { summaryPath: string; summary: BackupSummary };

  before(async () => {
    tmp = drillTempDir();
    project = createScratchProject(`${tmp}-project`);
    for (const name of readdirSync(project.migrationsDir)) if (name !== "migration_lock.toml") rmSync(path.join(project.migrationsDir, name), { recursive: true });
    const corpus = corpusSchemas().filter((schema) => AS_MIGRATIONS.includes(schema.name));
    // Without the fixtures' comments: this project's schema engine splits migration.sql at every ";", comments included.
    const withoutComments = (sql: string) => sql.split("\n").filter((line) => !line.trimStart().startsWith("--")).join("\n");
    corpus.forEach((schema, i) => project.addMigration(`2026010100000${i}_${schema.name.replace(/-/g, "_")}`, withoutComments(schema.schemaSql)));
    source = await createTestDatabase({ empty: true });
    const deploy = await runPrismaCliCaptured(["migrate", "deploy", "--config", project.config], { env: { ...process.env, DATABASE_URL: source.url } });
    assert.equal(deploy.code, 0, deploy.output);
    for (const schema of corpus) await source.pool.query(schema.dataSql);
    outDir = await tempDir("drill-foreign");
    set = await createBackup({ target: source.target, outDir, kind: "manual", schemas: ["public", "auth"], migrationsDir: project.migrationsDir });
  });
  after(async () => {
    await source.drop();
    project.remove();
    await removeDir(outDir);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("passes: every row digest recorded on the source's server equals the restored rows' on the embedded 17, sequences and schema exact", async () => {
    const run = await runDrill(["--from", set.summaryPath, "--config", project.config], { TMPDIR: tmp, BACKUP_ENCRYPTION_KEY: "" });
    assert.equal(run.code, 0, `${run.stderr}\n${JSON.stringify(run.report?.checks, null, 2)}`);
    const report = run.report!;
    assert.match(report.server!.version, /^17\./);
    const tables = set.summary.tables.filter((t) => t.name !== "_prisma_migrations");
    assert.ok(tables.length >= 12, `${tables.length} tables`);
    assert.ok(tables.every((t) => t.rowDigest), "the source's backup recorded a digest for every table");
    assert.deepEqual(
      report.tables.map((t) => [t.table, t.digest]),
      tables.map((t) => [t.schema === "public" ? t.name : `${t.schema}.${t.name}`, "matched"]),
    );
    assert.ok(report.tables.some((t) => t.table === "every_type" && t.restoredRows >= 5));
    assert.match(checkOf(report, "sequences").detail, /^all ([1-9]\d*) sequences are at their backed-up state$/);
    assert.equal(checkOf(report, "schema").outcome, "passed");
    assert.equal(report.outcome, "passed");
    await assertNothingLeft(tmp);
  });
});
