// Every hard PostgreSQL type survives backup → file → PostgreSQL unchanged,
// compared in SQL (each row's text form) against the original.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createBackup, readTableRows, verifyBackupSet, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { copyRowsInto, removeDir, tempDir } from "./support.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const TABLE = "Hard Types ✓";

const SCHEMA_SQL = `
  CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s "complicated"', 'emoji 😀');
  CREATE TABLE "${TABLE}" (
    id int PRIMARY KEY,
    t text,
    big bigint,
    num numeric,
    num_fixed numeric(40, 20),
    f8 double precision,
    f4 real,
    b boolean,
    d date,
    ts timestamp(6),
    ts3 timestamp(3),
    tstz timestamptz(6),
    j json,
    jb jsonb,
    by bytea,
    e mood,
    arr_text text[],
    arr_int int[],
    arr_enum mood[],
    arr_tstz timestamptz[],
    arr_jsonb jsonb[],
    u uuid,
    iv interval,
    "we""ird col" text
  )`;

// Each row stresses several columns; columns not listed are NULL.
const ROWS_SQL = `
  INSERT INTO "${TABLE}" (id, t, big, num, num_fixed, f8, f4, b, d, ts, ts3, tstz, j, jb, by, e, arr_text, arr_int, arr_enum, arr_tstz, arr_jsonb, u, iv, "we""ird col") VALUES
  (1, 'plain', 9007199254740993, '123456789012345678901234567890.123456789012345678901234567890', '12345678901234567890.12345678901234567890',
      1.7976931348623157e308, 3.4028235e38, true, '2025-07-05', '2025-07-05 21:00:00.123456', '2025-07-05 21:00:00.123',
      '2025-07-05 21:00:00.123456+05:30', '{"a":[1,null,{"b":null}],"s":"x\\"y","n":1.000000000000000000001}',
      '{"nested":{"deep":[null,{"x":null}],"empty":{}},"big":123456789012345678901234567890.5}',
      '\\x00ff7f80', 'happy', ARRAY['a', NULL, '', 'q"uote', 'back\\slash', 'com,ma', '{brace}', 'NULL'], '{{1,2},{3,4}}',
      ARRAY['sad', 'it''s "complicated"']::mood[], ARRAY['2025-01-01 00:00:00.000001+00', NULL]::timestamptz[],
      ARRAY['{"a":1}'::jsonb], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 year 2 mons 3 days 04:05:06.789012', 'w'),
  (2, '', 9223372036854775807, '-0.000000000000000000000000000001', '0.00000000000000000001',
      5e-324, 1.4e-45, false, '4713-01-01 BC', '1999-12-31 23:59:59.999999', '1970-01-01 00:00:00.001',
      '1900-01-01 00:00:00.000001+00', '[]', '[]', '\\x', 'emoji 😀', '{}', '{}', '{}', '{}', '{}',
      '00000000-0000-0000-0000-000000000000', '-178000000 years', ''),
  (3, E'emoji 😀👍🏽 👨‍👩‍👧 zwj, RTL שלום, combining é, \\u2028 \\u2029 line separators', -9223372036854775808, 'NaN', '-99999999999999999999.99999999999999999999',
      '-0', 'NaN', NULL, 'infinity', 'infinity', '-infinity', 'infinity',
      '{"dup":1,"dup":2,"k": "spaced"}', '{"emoji":"😀","esc":"\\n\\t\\\\","unicode":"\\u00e9"}', decode(repeat('ab01', 500), 'hex'),
      NULL, ARRAY[NULL]::text[], ARRAY[NULL, 1]::int[], NULL, NULL, NULL, NULL, '0 seconds', NULL),
  (4, E'control \\x01\\x02\\x1f\\x7f tab\\t cr\\r lf\\n crlf\\r\\n end', 0, '0', '0', 'Infinity', 'Infinity', true, '-infinity', '-infinity', 'infinity', '-infinity',
      '"just a string"', '"just a string"', NULL, NULL, ARRAY[E'multi\\nline', E'tab\\there'], NULL, NULL, NULL, NULL, NULL, NULL, E'x\\ny'),
  (5, $q$quotes 'single' "double" and backslashes C:\\path\\ \\n \\\\ \\u0041 not escapes$q$, 1, '1e-30', '1', '-Infinity', '-Infinity', false,
      '5874897-12-31', '294276-12-31 23:59:59.999999', '2000-02-29 12:00:00', '294276-12-30 23:59:59.999999+00',
      'null', 'null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'null'),
  (6, 'null', NULL, NULL, NULL, 0.1, 0.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[0:2]={7,8,9}', NULL, NULL,
      ARRAY['null'::jsonb, NULL, '{"x":null}'], NULL, NULL, NULL),
  (7, NULL, 2, '3.14', NULL, 0.30000000000000004, 0.333333343, NULL, '2025-01-01', '2025-01-01', '2025-01-01', '2025-01-01 00:00:00+00',
      '{"a":null}', '{"a":null}', '\\x00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

describe("exact round trip of every hard type (backup file → COPY)", () => {
  let db: TestDatabase;
  let outDir: string;
  let summaryPath: string;
  let summary: BackupSummary;

  before(async () => {
    db = await createTestDatabase();
    await db.pool.query(SCHEMA_SQL);
    await db.pool.query(ROWS_SQL);
    // Settings that change how values print (pre-12 float habits, other styles): the backup must not depend on them.
    await db.pool.query(`ALTER DATABASE "${db.name}" SET extra_float_digits = -15`);
    await db.pool.query(`ALTER DATABASE "${db.name}" SET bytea_output = 'escape'`);
    await db.pool.query(`ALTER DATABASE "${db.name}" SET IntervalStyle = 'sql_standard'`);
    await db.pool.query(`ALTER DATABASE "${db.name}" SET TimeZone = 'Asia/Kathmandu'`);
    outDir = await tempDir("exact");
    ({ summaryPath, summary } = await createBackup({ target: db.target, outDir, kind: "manual", tables: [TABLE], gzip: true }));
  });
  after(async () => {
    await db.drop();
    await removeDir(outDir);
  });

  async function restoreInto(copyTable: string): Promise<void> {
    const entry = summary.tables.find((t) => t.name === TABLE)!;
    // Restore in a session with another time zone and date style: the text must carry everything.
    const client = await db.pool.connect();
    try {
      await client.query(`SET TIME ZONE 'America/St_Johns'; SET DateStyle = 'SQL, DMY'; SET IntervalStyle = 'postgres'`);
      await client.query(`CREATE TABLE "${copyTable}" (LIKE "${TABLE}")`);
      assert.equal(await copyRowsInto(client, copyTable, summaryPath, entry), 7);
    } finally {
      client.release();
    }
  }

  it("names the file after the table (kebab-case plural) and verifies", async () => {
    assert.match(summary.tables[0]!.file, /^hard-types-backup-.*\.json\.gz$/);
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, []);
  });

  it("gives back every value of every row exactly (row text compared in SQL)", async () => {
    await restoreInto("restored");
    const differing = await db.pool.query<{ id: number; original: string; restored: string }>(
      `SELECT id, orig::text AS original, rest::text AS restored
         FROM "${TABLE}" orig FULL JOIN "restored" rest USING (id)
        WHERE orig::text IS DISTINCT FROM rest::text ORDER BY 1`,
    );
    assert.deepEqual(differing.rows, []);
    const count = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM restored`);
    assert.equal(count.rows[0]!.n, 7);
  });

  it("keeps JSON null apart from SQL NULL in json and jsonb columns, and NULL apart from ''", async () => {
    const kinds = await db.pool.query<{ id: number; j: string | null; jb: string | null; t_null: boolean; w: string | null }>(
      `SELECT id, json_typeof(j) AS j, jsonb_typeof(jb) AS jb, t IS NULL AS t_null, "we""ird col" AS w FROM restored ORDER BY id`,
    );
    const byId = new Map(kinds.rows.map((row) => [row.id, row]));
    assert.equal(byId.get(5)!.j, "null");
    assert.equal(byId.get(5)!.jb, "null");
    assert.equal(byId.get(6)!.j, null);
    assert.equal(byId.get(6)!.jb, null);
    assert.equal(byId.get(2)!.t_null, false);
    assert.equal(byId.get(7)!.t_null, true);
    assert.equal(byId.get(2)!.w, "");
    assert.equal(byId.get(6)!.w, null);
  });

  it("keeps array lower bounds and JSON null elements of jsonb[] apart from NULL elements", async () => {
    const arrays = await db.pool.query<{ lower: number; first: string | null; second_null: boolean }>(
      `SELECT array_lower(arr_int, 1) AS lower, jsonb_typeof(arr_jsonb[1]) AS first, arr_jsonb[2] IS NULL AS second_null FROM restored WHERE id = 6`,
    );
    assert.deepEqual(arrays.rows[0], { lower: 0, first: "null", second_null: true });
  });

  it("keeps bigint and numeric digits beyond JavaScript's precision, and float extremes bit for bit", async () => {
    const values = await db.pool.query<{ big: string; num: string; f8: string; bits: string }>(
      `SELECT big::text, num::text, f8::text, float8send(f8)::text AS bits FROM restored WHERE id = 1`,
    );
    assert.equal(values.rows[0]!.big, "9007199254740993");
    assert.equal(values.rows[0]!.num, "123456789012345678901234567890.123456789012345678901234567890");
    const bits = await db.pool.query<{ same: boolean }>(
      `SELECT bool_and(float8send(orig.f8) IS NOT DISTINCT FROM float8send(rest.f8)
                       AND float4send(orig.f4) IS NOT DISTINCT FROM float4send(rest.f4)) AS same
         FROM "${TABLE}" orig JOIN restored rest USING (id)`,
    );
    assert.equal(bits.rows[0]!.same, true);
  });

  it("keeps a json value's text exactly — line breaks, surrounding whitespace — on one line of the file", async () => {
    const text = '\t{\n  "b": 1,\r\n  "a": [1,\r\n 2], "a": 3\n} ';
    await db.pool.query(`INSERT INTO "${TABLE}" (id, j) VALUES (8, $1)`, [text]);
    const local = await tempDir("exact-json");
    try {
      const { summaryPath: sp, summary: s } = await createBackup({ target: db.target, outDir: local, kind: "manual", tables: [TABLE] });
      const entry = s.tables[0]!;
      const rows: string[] = [];
      for await (const row of readTableRows(sp, entry)) rows.push(row);
      const row8 = rows.find((row) => row.startsWith('{"id":8,'))!;
      assert.ok(!/[\r\n]/.test(row8));
      assert.equal(JSON.parse(row8).j, text);
    } finally {
      await removeDir(local);
      await db.pool.query(`DELETE FROM "${TABLE}" WHERE id = 8`);
    }
  });
});
