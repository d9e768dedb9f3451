// The corpus of schemas we did not write (tests/fixtures/schemas/*.sql): each
// is applied to a source and, before any row is inserted, copied as the
// restore target (CREATE DATABASE … TEMPLATE: the same DDL, sequences and
// trigger states as the source had, like a `pg_dump --schema-only` clone, on
// PostgreSQL 15 and 17 alike). Then: backup → restore in every mode, without
// --allow-schema-mismatch → every table (FROM ONLY and with its children),
// every sequence and every trigger state compared in SQL with the source.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createBackup } from "../../scripts/lib/backup/index.ts";
import { restoreBackup, type RestoreReport } from "../../scripts/lib/restore/index.ts";
import { createSchemaTemplate, createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { corpusSchemas, databaseContents, definitions, type DatabaseContents } from "./corpus-support.ts";
import { makeTempDir } from "./fixtures.ts";

for (const corpus of corpusSchemas()) {
  describe(`corpus: ${corpus.name}`, () => {
    let source: TestDatabase;
    let target: TestDatabase;
    let backupDir: { dir: string; remove(): Promise<void> };
    let summaryPath: string;
    let expected: DatabaseContents;
    let targetDefinitions: string[];

    before(async () => {
      const template = await createSchemaTemplate(corpus.schemaSql);
      try {
        [source, target, backupDir] = await Promise.all([
          createTestDatabase({ template: template.name }),
          createTestDatabase({ template: template.name }),
          makeTempDir(),
        ]);
      } finally {
        await template.drop();
      }
      await source.pool.query(corpus.dataSql);
      expected = await databaseContents(source.pool);
      targetDefinitions = await definitions(target.pool);
      ({ summaryPath } = await createBackup({ target: source.target, outDir: backupDir.dir, kind: "manual", schemas: corpus.schemas }));
    });
    after(async () => {
      await Promise.all([source?.drop(), target?.drop(), backupDir?.remove()]);
    });

    const restore = (mode: "empty" | "replace" | "skip-existing"): Promise<RestoreReport> =>
      restoreBackup({ target: target.target, from: summaryPath, backupDir: backupDir.dir, mode, yes: true });

    it("restores into an empty clone exactly: tables, sequences, trigger states, definitions", async () => {
      const report = await restore("empty");
      assert.equal(report.outcome, "restored");
      assert.deepEqual(await databaseContents(target.pool), expected);
      assert.deepEqual(await definitions(target.pool), targetDefinitions);
    });

    it("--mode replace gives back the same state again", async () => {
      const report = await restore("replace");
      assert.equal(report.outcome, "restored");
      assert.ok(report.preRestoreBackup);
      assert.deepEqual(await databaseContents(target.pool), expected);
    });

    it("--mode skip-existing over the restored database adds nothing and moves no sequence", async () => {
      const report = await restore("skip-existing");
      assert.equal(report.outcome, "restored");
      assert.equal(report.tables.reduce((sum, table) => sum + table.inserted, 0), 0);
      assert.deepEqual(await databaseContents(target.pool), expected);
    });
  });
}
