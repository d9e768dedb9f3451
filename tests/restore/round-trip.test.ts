// The test that matters most: backup → restore into an empty migrated
// database → the two databases hold identical data, table by table, as
// PostgreSQL itself digests it (not by re-reading the backup's JSON).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary } from "../../scripts/lib/backup/index.ts";
import { planAgainstDatabase } from "../../scripts/lib/restore/restore-backup.ts";
import type { RestoreReport } from "../../scripts/lib/restore/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createExtraTables, fillHardValues, schemaDefinitions, makeTempDir, tableDigests, type TableDigest } from "./fixtures.ts";

describe("round trip: backup, restore into an empty database, compare in SQL", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let backupDir: { dir: string; remove(): Promise<void> };
  let summaryPath: string;
  let sourceDigests: Record<string, TableDigest>;
  let report: RestoreReport;
  let targetDefinitions: string[];

  before(async () => {
    [source, target, backupDir] = await Promise.all([createTestDatabase(), createTestDatabase(), makeTempDir()]);
    await Promise.all([createExtraTables(source.pool), createExtraTables(target.pool)]);
    await seedDatabase(source.pool, { users: 400 });
    await fillHardValues(source.pool);
    sourceDigests = await tableDigests(source.pool);
    ({ summaryPath } = await createBackup({ target: source.target, outDir: backupDir.dir, kind: "manual" }));
    // An index the rebuild could not give back exactly (its comment would be lost): it must be left in place.
    await target.pool.query(`CREATE INDEX hard_values_label_idx ON hard_values (label)`);
    await target.pool.query(`COMMENT ON INDEX hard_values_label_idx IS 'kept in place'`);
    targetDefinitions = await schemaDefinitions(target.pool);

    const result = await runScript("db-restore", ["--from", summaryPath, "--json"], { DATABASE_URL: target.url });
    assert.equal(result.code, 0, result.stderr);
    report = JSON.parse(result.stdout) as RestoreReport;
  });
  after(async () => {
    await Promise.all([source.drop(), target.drop(), backupDir.remove()]);
  });

  it("fills every table the source has (the fixture really covers them)", async () => {
    for (const [table, digest] of Object.entries(sourceDigests)) assert.ok(digest.rows > 0, `${table} has rows in the source`);
    const nulls = await target.pool.query<{ json_null: number; sql_null: number }>(
      `SELECT count(*) FILTER (WHERE metadata = 'null'::jsonb)::int AS json_null, count(*) FILTER (WHERE metadata IS NULL)::int AS sql_null
         FROM "PointTransaction"`,
    );
    assert.equal(nulls.rows[0]!.json_null, 3, "JSON null stays JSON null");
    assert.ok(nulls.rows[0]!.sql_null > 0, "SQL NULL stays SQL NULL");
    assert.ok(sourceDigests.User!.rows > 10_500, "User spans more than one load batch");
  });

  it("leaves every table identical to the source, digested by PostgreSQL", async () => {
    assert.deepEqual(await tableDigests(target.pool), sourceDigests);
  });

  it("loaded the tables of types the binary encoder writes as binary COPY (the edge values too), the others as text", async () => {
    const client = await target.pool.connect();
    try {
      const plan = await planAgainstDatabase(client, await readSummary(summaryPath), { target: target.target, mode: "skip-existing", allowSchemaMismatch: false });
      const binary = plan.tables.filter((planned) => planned.binaryTypes !== null).map((planned) => planned.label).sort();
      assert.deepEqual(binary, ["Achievement", "Comment", "DailyPointsLog", "Follow", "Like", "PointTransaction", "User", "UserAchievement", "binary_values", "cycle_a", "cycle_b", "serial_rows"]);
    } finally {
      client.release();
    }
  });

  it("reports each table's rows as inserted, and the keys and indexes it rebuilt", async () => {
    assert.equal(report.outcome, "restored");
    for (const table of report.tables) {
      assert.equal(table.inserted, sourceDigests[table.table]!.rows, table.table);
      assert.equal(table.rows, table.inserted);
      assert.equal(table.skipped + table.replaced + table.refused, 0);
    }
    assert.deepEqual(report.tables.map((t) => t.table).sort(), Object.keys(sourceDigests).sort());
    const counts = await target.pool.query<{ foreign_keys: number; keys_and_indexes: number }>(
      `SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace)::int AS foreign_keys,
              (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations')::int AS keys_and_indexes`,
    );
    // Every foreign key and index of the restored tables but the commented one went through the drop-and-rebuild
    // path; nothing was left to defer.
    assert.equal(report.rebuilt.foreignKeys, counts.rows[0]!.foreign_keys);
    assert.equal(report.rebuilt.keysAndIndexes, counts.rows[0]!.keys_and_indexes - 1);
    assert.deepEqual(report.deferredForeignKeys, []);
    const comment = await target.pool.query<{ comment: string }>(`SELECT obj_description('hard_values_label_idx'::regclass, 'pg_class') AS comment`);
    assert.equal(comment.rows[0]!.comment, "kept in place");
  });

  it("gives back every index, constraint and NOT NULL exactly as it was defined (deferrable keys included)", async () => {
    const after = await schemaDefinitions(target.pool);
    assert.deepEqual(after, targetDefinitions);
    assert.ok(after.some((definition) => /cycle_b_a_id_fkey .*DEFERRABLE INITIALLY DEFERRED/.test(definition)));
    assert.ok(after.some((definition) => /User_referredBy_fkey FOREIGN KEY \("referredBy"\)/.test(definition)));
  });

  it("sets every sequence to its backed-up state", async () => {
    const serial = await target.pool.query<{ id: number }>(`INSERT INTO serial_rows (note) VALUES ('after restore') RETURNING id`);
    assert.equal(serial.rows[0]!.id, 26);
    const identity = await target.pool.query<{ id: string }>(`INSERT INTO hard_values (label) VALUES ('after restore') RETURNING id`);
    assert.equal(identity.rows[0]!.id, String(sourceDigests.hard_values!.rows + 1));
    const sequences = report.sequences.map((s) => `${s.usedBy.join()}=${s.value}`);
    assert.ok(sequences.includes(`public.hard_values.id=${sourceDigests.hard_values!.rows}`), sequences.join("; "));
    assert.ok(sequences.includes("public.serial_rows.id=25"), sequences.join("; "));
  });
});

describe("round trip of a gzip-compressed, encrypted set", () => {
  it("restores identically with the key from BACKUP_ENCRYPTION_KEY", async () => {
    const [source, target, backupDir] = await Promise.all([createTestDatabase(), createTestDatabase(), makeTempDir()]);
    try {
      await Promise.all([createExtraTables(source.pool), createExtraTables(target.pool)]);
      await seedDatabase(source.pool, { users: 50 });
      await fillHardValues(source.pool, 0);
      const key = "correct horse battery staple";
      const { summaryPath } = await createBackup({
        target: source.target, outDir: backupDir.dir, kind: "manual", gzip: true, encryptionKey: key,
      });
      const withoutKey = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url });
      assert.equal(withoutKey.code, 2, withoutKey.stderr);
      assert.match(withoutKey.stderr, /encrypted: set BACKUP_ENCRYPTION_KEY/);
      const wrongKey = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url, BACKUP_ENCRYPTION_KEY: "wrong" });
      assert.equal(wrongKey.code, 1, wrongKey.stderr);
      assert.match(wrongKey.stderr, /not the key this backup set was encrypted with/);
      assert.equal((await tableDigests(target.pool)).User!.rows, 0);

      const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url, BACKUP_ENCRYPTION_KEY: key });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await tableDigests(target.pool), await tableDigests(source.pool));
    } finally {
      await Promise.all([source.drop(), target.drop(), backupDir.remove()]);
    }
  });
});
