// A formatVersion 1 set (tests/fixtures/v1-set, written by the backup before
// format 2) still verifies and restores exactly: json read as the JSON it
// stored, sequences moved past the restored maxima as format 1 did.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { verifyBackupSet } from "../../scripts/lib/backup/index.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { restoreBackup } from "../../scripts/lib/restore/index.ts";
import { createSchemaTemplate, createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseContents } from "./corpus-support.ts";
import { copySet } from "../backup/support.ts";

const SET_DIR = path.join(PROJECT_ROOT, "tests", "fixtures", "v1-set");

describe("a formatVersion 1 set", () => {
  let expected: TestDatabase;
  let target: TestDatabase;
  let summaryPath: string;
  before(async () => {
    const template = await createSchemaTemplate(readFileSync(path.join(SET_DIR, "schema.sql"), "utf8"));
    try {
      [expected, target] = await Promise.all([createTestDatabase({ template: template.name }), createTestDatabase({ template: template.name })]);
    } finally {
      await template.drop();
    }
    await expected.pool.query(readFileSync(path.join(SET_DIR, "data.sql"), "utf8"));
    // A copy: the restore writes nothing into the set's directory in empty mode, but the fixture stays untouched either way.
    summaryPath = await copySet(path.join(SET_DIR, readdirSync(SET_DIR).find((name) => name.startsWith("backup-summary-"))!), "v1-set");
  });
  after(async () => Promise.all([expected.drop(), target.drop()]));

  it("verifies", async () => {
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, []);
  });

  it("restores exactly into its schema", async () => {
    const report = await restoreBackup({ target: target.target, from: summaryPath, backupDir: path.dirname(summaryPath), mode: "empty" });
    assert.equal(report.outcome, "restored");
    assert.deepEqual(await databaseContents(target.pool), await databaseContents(expected.pool));
    assert.deepEqual(report.sequences.map((s) => `${s.sequence}=${s.value}`).sort(), ["public.v1_account_id_seq=3", "public.v1_note_id_seq=3"]);
  });
});
