// One probe per defect of issue 11 beyond what the corpus round trip shows:
// each restores part of a corpus schema (tests/fixtures/schemas) in the way
// that lost or corrupted data before, and checks the data in SQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createBackup } from "../../scripts/lib/backup/index.ts";
import { parseDatabaseUrl } from "../../scripts/lib/config.ts";
import { restoreBackup } from "../../scripts/lib/restore/index.ts";
import { runScript } from "../helpers/cli.ts";
import { corpusPair, databaseContents, type CorpusPair } from "./corpus-support.ts";
import { makeTempDir } from "./fixtures.ts";

async function backupOf(pair: CorpusPair, dir: string): Promise<string> {
  return (await createBackup({ target: pair.source.target, outDir: dir, kind: "manual", schemas: pair.corpus.schemas })).summaryPath;
}

interface CorpusSet {
  pair: CorpusPair;
  dir: { dir: string; remove(): Promise<void> };
  summaryPath: string;
}

/** For the enclosing describe: a corpus schema's source and empty target, and a backup of the source. */
function corpusSet(name: string, prepare?: (set: CorpusSet) => Promise<void>): CorpusSet {
  const set = {} as CorpusSet;
  before(async () => {
    [set.pair, set.dir] = await Promise.all([corpusPair(name), makeTempDir()]);
    set.summaryPath = await backupOf(set.pair, set.dir.dir);
    await prepare?.(set);
  });
  after(async () => Promise.all([set.pair.drop(), set.dir.remove()]));
  return set;
}

describe("probe: partitioned tables (defect 1)", () => {
  const set = corpusSet("partitions");

  it("backs up a partitioned table through its root, with every partition's rows, recording the partitions", async () => {
    const summary = (await createBackup({ target: set.pair.source.target, outDir: set.dir.dir, kind: "manual", tables: ["measurement"] })).summary;
    const entry = summary.tables.find((table) => table.name === "measurement")!;
    assert.equal(entry.rows, 40);
    assert.equal(entry.partitioning?.key, "LIST (region)");
    assert.deepEqual(entry.partitioning?.partitions.map((p) => p.name), ["measurement_eu", "measurement_other", "measurement_us", "measurement_eu_2024", "measurement_eu_rest"]);
  });

  it("refuses a target partitioned differently, naming the difference", async () => {
    await set.pair.target.pool.query(`DROP TABLE measurement_us; CREATE TABLE measurement_us PARTITION OF measurement FOR VALUES IN ('us-east', 'us-west')`);
    try {
      await assert.rejects(
        restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "empty" }),
        /measurement: partitioned differently — in the backup .*measurement_us FOR VALUES IN \('us-east'\).*in the database .*'us-west'/,
      );
    } finally {
      await set.pair.target.pool.query(`DROP TABLE measurement_us; CREATE TABLE measurement_us PARTITION OF measurement FOR VALUES IN ('us-east')`);
    }
  });

  it("--mode replace --tables on a partitioned table replaces its rows in every partition", async () => {
    await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "empty" });
    await set.pair.target.pool.query(`DELETE FROM measurement_eu_2024; INSERT INTO measurement (region, taken, value) VALUES ('us-east', '2030-01-01', 1)`);
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "replace", tables: ["measurement"], yes: true });
    assert.ok(report.preRestoreBackup);
    assert.deepEqual((await databaseContents(set.pair.target.pool)).tables, (await databaseContents(set.pair.source.pool)).tables);
  });
});

describe("probe: user triggers (defect 2)", () => {
  const set = corpusSet("triggers");

  it("refuses with a clear message when the role may not disable a table's triggers, and changes nothing", async () => {
    const role = `pdg_restorer_${process.pid}`;
    await set.pair.target.pool.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN PASSWORD 'restorer';
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role};
      GRANT TEMPORARY ON DATABASE "${set.pair.target.name}" TO ${role}`);
    try {
      const url = new URL(set.pair.target.url);
      url.username = role;
      url.password = "restorer";
      const result = await runScript("db-restore", ["--from", set.summaryPath, "--dir", set.dir.dir], { DATABASE_URL: url.toString() });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /public\.member has user trigger member_audit, which db:restore must disable .* only the table's owner may do that .* run the restore as the owner of public\.member \(or a superuser\); nothing was changed/);
      const rows = await set.pair.target.pool.query<{ n: number }>(`SELECT (SELECT count(*) FROM member) + (SELECT count(*) FROM member_audit) AS n`);
      assert.equal(Number(rows.rows[0]!.n), 0);
    } finally {
      await set.pair.target.pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it("names every trigger it disabled in the report and puts each back in its state", async () => {
    const result = await runScript("db-restore", ["--from", set.summaryPath, "--dir", set.dir.dir], { DATABASE_URL: set.pair.target.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /user triggers disabled for the load and re-enabled before commit .*: public\.member\.member_audit, public\.member\.member_replica, public\.member\.member_touch, public\.member_audit\.audit_stamp/);
    assert.doesNotMatch(result.stdout, /member_refuse/);
    assert.deepEqual(await databaseContents(set.pair.target.pool), await databaseContents(set.pair.source.pool));
  });
});

describe("probe: sequences (defect 3)", () => {
  const set = corpusSet("sequences");

  it("lists every sequence it set, free-standing ones included, and the next inserts do not clash", async () => {
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "empty" });
    assert.deepEqual(report.sequences.map((s) => `${s.sequence}=${s.value}${s.isCalled ? "" : " not called"}`).sort(), [
      "public.counter_row_id_seq=100",
      "public.cycling_seq=0",
      "public.invoice_number_seq=1024",
      "public.order_no_seq=35",
      "public.ticket_id_seq=-6",
      "public.unused_seq=1 not called",
    ]);
    const next = await set.pair.target.pool.query<{ invoice: string }>(`SELECT nextval('invoice_number_seq')::text AS invoice`);
    assert.equal(next.rows[0]!.invoice, "1025");
    const ticket = await set.pair.target.pool.query<{ id: number }>(`INSERT INTO ticket (title) VALUES ('next') RETURNING id`);
    assert.equal(ticket.rows[0]!.id, -7);
    const counter = await set.pair.target.pool.query<{ id: number }>(`INSERT INTO counter_row (n) VALUES (0) RETURNING id`);
    assert.equal(counter.rows[0]!.id, 101);
  });

  it("--mode skip-existing never moves a sequence backwards, and moves one forward where the backup is ahead", async () => {
    await set.pair.target.pool.query(`SELECT setval('invoice_number_seq', 5000); SELECT setval('ticket_id_seq', -100); SELECT setval('counter_row_id_seq', 50)`);
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "skip-existing" });
    assert.deepEqual(report.sequences.map((s) => `${s.sequence}=${s.value} was ${s.previous}`), ["public.counter_row_id_seq=100 was 50"]);
    const state = await set.pair.target.pool.query<{ invoice: string; ticket: string }>(
      `SELECT (SELECT last_value::text FROM invoice_number_seq) AS invoice, (SELECT last_value::text FROM ticket_id_seq) AS ticket`,
    );
    assert.deepEqual(state.rows[0], { invoice: "5000", ticket: "-100" });
  });

  it("tells a backup role that may not read the sequences what to grant", async () => {
    const role = `pdg_reader_${process.pid}`;
    await set.pair.source.pool.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN PASSWORD 'reader'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    try {
      const url = new URL(set.pair.source.url);
      url.username = role;
      url.password = "reader";
      await assert.rejects(
        createBackup({ target: parseDatabaseUrl(url.toString()), outDir: set.dir.dir, kind: "manual" }),
        /cannot read the sequences' state \(permission denied .*\); grant the backup's role SELECT on them \(GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO <role>\)/,
      );
    } finally {
      await set.pair.source.pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it("--tables sets only the sequences the restored tables draw from", async () => {
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "replace", tables: ["purchase"], yes: true });
    assert.deepEqual(report.sequences.map((s) => s.sequence), ["public.order_no_seq"]);
  });
});

describe("probe: inheritance under --mode replace (defect 4) and skip-existing without keys (defect 8)", () => {
  const set = corpusSet("inheritance", ({ pair, summaryPath, dir }) =>
    restoreBackup({ target: pair.target.target, from: summaryPath, backupDir: dir.dir, mode: "empty" }).then(() => undefined),
  );

  it("--mode replace --tables <parent> replaces the parent's own rows and leaves its children's", async () => {
    await set.pair.target.pool.query(`UPDATE ONLY vehicle SET name = 'changed'; INSERT INTO car VALUES (30, 'added later', 3)`);
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "replace", tables: ["vehicle"], yes: true });
    assert.equal(report.tables.find((t) => t.table === "vehicle")!.replaced, 3);
    const rows = await set.pair.target.pool.query<{ parent: string[]; children: number }>(
      `SELECT (SELECT array_agg(name ORDER BY id) FROM ONLY vehicle) AS parent, (SELECT count(*)::int FROM car) AS children`,
    );
    assert.deepEqual(rows.rows[0], { parent: ["cart", "bike", "boat"], children: 8 });
    await set.pair.target.pool.query(`DELETE FROM ONLY car WHERE id = 30`);
  });

  it("--mode skip-existing puts back exactly the missing copies of identical rows in tables without a key", async () => {
    await set.pair.target.pool.query(`DELETE FROM ONLY car WHERE ctid = (SELECT min(ctid) FROM ONLY car WHERE id = 11); DELETE FROM ONLY sports_car WHERE id = 21`);
    const report = await restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "skip-existing" });
    const inserted = Object.fromEntries(report.tables.map((t) => [t.table, t.inserted]));
    assert.deepEqual(inserted, { vehicle: 0, car: 1, sports_car: 1, log_base: 0, log_2024: 0 });
    assert.deepEqual(await databaseContents(set.pair.target.pool), await databaseContents(set.pair.source.pool));
  });
});

describe("probe: generated columns compared, not ignored (defect 7)", () => {
  const set = corpusSet("generated");

  it("refuses a target whose generated column differs, naming it", async () => {
    await set.pair.target.pool.query(`ALTER TABLE line_item DROP COLUMN slug; ALTER TABLE line_item ADD COLUMN slug text GENERATED ALWAYS AS (upper(title)) STORED`);
    await assert.rejects(
      restoreBackup({ target: set.pair.target.target, from: set.summaryPath, backupDir: set.dir.dir, mode: "empty" }),
      /line_item: slug is generated as text lower\(replace\(title, ' '::text, '-'::text\)\) in the backup, text upper\(title\) in the database/,
    );
  });
});

describe("probe: several schemas (defect 9, --schemas)", () => {
  let pair: CorpusPair;
  let dir: { dir: string; remove(): Promise<void> };
  before(async () => {
    [pair, dir] = await Promise.all([corpusPair("multi-schema"), makeTempDir()]);
  });
  after(async () => Promise.all([pair.drop(), dir.remove()]));

  it("db:backup --schemas names files uniquely across schemas and records each table's schema", async () => {
    const result = await runScript("db-backup", ["--schemas", "public,auth", "--out", dir.dir, "--json"], { DATABASE_URL: pair.source.url });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { tables: { schema: string; name: string; file: string }[]; counts: Record<string, number> };
    const files = summary.tables.map((t) => `${t.schema}.${t.name} ${t.file.replace(/-backup-.*/, "")}`).sort();
    assert.deepEqual(files, ["auth.sessions auth-sessions", "auth.users auth-users", "public.profiles profiles", "public.users users"]);
    assert.deepEqual(summary.counts, { users: 8, profiles: 6, "auth.users": 6, "auth.sessions": 9 });
  });

  it("warns about a foreign key that leaves the selected schemas", async () => {
    const result = await runScript("db-backup", ["--schemas", "public", "--out", dir.dir], { DATABASE_URL: pair.source.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /"public"\."profiles" references "auth"\."users" \(foreign key profiles_user_id_fkey\), outside the backed-up schemas \(public\): the set is not self-contained/);
  });

  it("checks a parent outside the restore in its own schema (public.profiles -> auth.users, next to public.users)", async () => {
    const summaryPath = await backupOf(pair, dir.dir);
    await pair.target.pool.query(`INSERT INTO auth.users SELECT * FROM (VALUES ('00000000-0000-0000-0000-000000000001'::uuid, 'u1@example.test')) v`);
    await pair.target.pool.query(`INSERT INTO public.users (id, name) SELECT i, 'x' FROM generate_series(1, 8) i`);
    const refused = await restoreBackup({ target: pair.target.target, from: summaryPath, backupDir: dir.dir, mode: "empty", tables: ["profiles"] });
    assert.equal(refused.outcome, "refused");
    assert.ok(refused.refusedRows.length > 0);
    assert.ok(refused.refusedRows.every((row) => row.problems.includes("parent:profiles_user_id_fkey")));
    await pair.target.pool.query(`INSERT INTO auth.users SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'u' || i || '@example.test' FROM generate_series(2, 6) i`);
    const restored = await restoreBackup({ target: pair.target.target, from: summaryPath, backupDir: dir.dir, mode: "empty", tables: ["profiles"] });
    assert.equal(restored.outcome, "restored");
    assert.equal(restored.tables[0]!.inserted, 6);
  });

  it("verify --against-db and the migration integrity count cover every schema of the set", async () => {
    const summaryPath = await backupOf(pair, dir.dir);
    const result = await runScript("db-verify-backup", [summaryPath, "--against-db", "--json"], { DATABASE_URL: pair.source.url });
    assert.equal(result.code, 0, result.stderr);
    const drift = (JSON.parse(result.stdout) as { drift: { tables: { table: string; change: number }[] } }).drift;
    assert.deepEqual(drift.tables.map((t) => `${t.table}:${t.change}`).sort(), ["auth.sessions:0", "auth.users:0", "profiles:0", "users:0"]);
    const { countEveryTable } = await import("../../scripts/lib/migrations/integrity.ts");
    assert.deepEqual(await countEveryTable(pair.source.pool, ["public", "auth"]), {
      "auth.sessions": 9, "auth.users": 6, "public.profiles": 6, "public.users": 8,
    });
  });
});
