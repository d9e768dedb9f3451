// Test data for the restore suites: the app's seeded rows plus tables holding
// every hard value a backup must carry exactly (hard_values loads as COPY
// text, binary_values — only types the binary encoder writes — as binary), forward references that cross
// batch boundaries, a foreign-key cycle, and serial/identity sequences.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { quoteIdent, withTransaction } from "../../scripts/lib/db.ts";
import { discoverTables } from "../../scripts/lib/tables.ts";

/** Extra tables created identically in the source and the target. */
export const EXTRA_TABLES_DDL = `
  CREATE TABLE hard_values (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label text NOT NULL,
    txt text, big bigint, num numeric, num_scaled numeric(40, 20), dbl double precision, real4 real,
    flag boolean, day date, ts timestamp(6), tstz timestamptz(6), tm time(6), tmtz timetz, iv interval,
    js json, jsb jsonb, bin bytea, action "PointActionType", tags text[], matrix int[], nums numeric[],
    dbls double precision[], uid uuid, chr char(5), vc varchar(12)
  );
  CREATE DOMAIN short_code AS varchar(8) CHECK (VALUE <> '');
  CREATE TABLE binary_values (
    id integer PRIMARY KEY, label text NOT NULL, txt text, vc varchar(12), chr char(5), unbounded_chr bpchar,
    i2 smallint, i4 integer, i8 bigint, dbl double precision, flag boolean, day date,
    ts timestamp(6), ts3 timestamp(3), tstz timestamptz(6), tstz0 timestamptz(0),
    js json, jsb jsonb, bin bytea, uid uuid, action "PointActionType", code short_code
  );
  CREATE TABLE serial_rows (id serial PRIMARY KEY, note text NOT NULL);
  CREATE TABLE cycle_a (id int PRIMARY KEY, b_id int NOT NULL);
  CREATE TABLE cycle_b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES cycle_a (id) DEFERRABLE INITIALLY DEFERRED);
  ALTER TABLE cycle_a ADD CONSTRAINT cycle_a_b_id_fkey FOREIGN KEY (b_id) REFERENCES cycle_b (id);
`;

const UNICODE = [
  "", " ", "plain", "emoji 🎉🚀 family 👩‍👩‍👧‍👦 flag 🇺🇦", "combining e\u0301 vs é", "RTL مرحبا بالعالم", "CJK 漢字かな 한국어",
  "astral 𝕏𝔸 𝄞", "zero\u200bwidth\u200d joiner", "BOM \ufeff inside", "line\u2028sep\u2029para",
  "controls \u0001\u0007\u001f\u007f", "tab\tnew\nline\r\nreturn", "quotes \" ' ` and \\ backslash \\\\ \\n literal",
  "json-ish {\"a\": [1, null]}", "sql-ish '); DROP TABLE \"User\"; --",
];

/** Rows of hard_values: each line varies a few columns and leaves the rest NULL. */
const HARD_ROWS_SQL = `
  INSERT INTO hard_values (label, txt, big, num, num_scaled, dbl, real4, flag, day, ts, tstz, tm, tmtz, iv, js, jsb, bin, action,
                           tags, matrix, nums, dbls, uid, chr, vc)
  SELECT 'unicode ' || i, t, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         convert_to(t, 'UTF8'), NULL, ARRAY[t, NULL, ''], NULL, NULL, NULL, NULL, NULL, left(t, 12)
    FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i);

  INSERT INTO hard_values (label, big, num, num_scaled, dbl, real4, nums, dbls) VALUES
    ('bigint max', 9223372036854775807, 123456789012345678901234567890.123456789012345678901234567890,
     99999999999999999999.99999999999999999999, 1.7976931348623157e308, 3.4028235e38, '{1.50,NaN,-0.0,1e-30}', '{0.1,-0,1e-320}'),
    ('bigint min', -9223372036854775808, -0.000000000000000000000000000001, -0.00000000000000000001,
     -2.2250738585072014e-308, -1.17549435e-38, '{}', '{Infinity,-Infinity,NaN}'),
    ('float edges', 9007199254740993, 'NaN', 0, '-0', '-0', NULL, '{5e-324}'),
    ('float inf', -9007199254740993, 1e-1000, 1, 'Infinity', '-Infinity', NULL, NULL),
    ('float nan', 0, 'Infinity', NULL, 'NaN', 'NaN', NULL, NULL),
    ('point one', 1, 0.1, 0.1, 0.1, 0.1, '{0.10}', '{0.30000000000000004}');

  INSERT INTO hard_values (label, flag, day, ts, tstz, tm, tmtz, iv) VALUES
    ('times micro', true, '2024-02-29', '2024-02-29 23:59:59.999999', '2025-03-30 01:30:00.123456 Europe/Berlin',
     '23:59:59.999999', '12:00:00.000001+05:45', '1 year 2 mons 3 days 04:05:06.789012'),
    ('times zone', false, '1970-01-01', '1970-01-01 00:00:00.000001', '2025-11-02 01:30:00.5 America/New_York',
     '00:00:00', '00:00:00-12', '-1 days +00:00:00.000001'),
    ('times far', NULL, '4713-01-01 BC', '0044-03-15 12:00:00.5 BC', '294276-12-31 23:59:59.999999+00', '24:00:00', NULL, '-178000000 years'),
    ('times inf', NULL, 'infinity', '-infinity', 'infinity', NULL, NULL, NULL);

  INSERT INTO hard_values (label, js, jsb, action, matrix, uid, chr, bin) VALUES
    ('json nested', '{ "b" : 1,  "a": [null, {"x": null}], "a": "dup key kept in json" }',
     '{"z": null, "nested": {"deep": [1, 2.50, {"k": null}], "empty": {}, "arr": []}, "big": 123456789012345678901234567890}',
     'STREAK_BONUS', '{{1,2,3},{4,5,6}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ab', '\\x00ff10'),
    ('json scalars', '"just a string"', '[null, true, false, 0, -1.5e-7, "\\u00e9\\ud83d\\ude00"]', 'ADMIN_ADJUSTMENT',
     '{NULL,7}', '00000000-0000-0000-0000-000000000000', '     ', '\\x'),
    ('json empty', '{}', '{}', 'DAILY_LOGIN', '{}', NULL, '', ''),
    ('json null', 'null', 'null', NULL, NULL, NULL, NULL, NULL),
    ('empty vs null', '[]', '[]', NULL, NULL, NULL, NULL, NULL);
  UPDATE hard_values SET txt = '' WHERE label = 'empty vs null';

  INSERT INTO binary_values (id, label, txt, vc, chr, unbounded_chr, js, bin)
  SELECT i, 'unicode ' || i, t, left(t, 12), left(t, 5), t, to_json(t), convert_to(t, 'UTF8') FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i);

  INSERT INTO binary_values (id, label, i2, i4, i8, dbl, flag, code) VALUES
    (101, 'integer max', 32767, 2147483647, 9223372036854775807, 1.7976931348623157e308, true, 'ZZZZZZZZ'),
    (102, 'integer min', -32768, -2147483648, -9223372036854775808, -2.2250738585072014e-308, false, 'a'),
    (103, 'float edges', 0, 0, 9007199254740993, '-0', NULL, NULL),
    (104, 'float tiny', -1, -1, -9007199254740993, 5e-324, NULL, NULL),
    (105, 'float inf', NULL, NULL, NULL, 'Infinity', NULL, NULL),
    (106, 'float -inf', NULL, NULL, NULL, '-Infinity', NULL, NULL),
    (107, 'float nan', NULL, NULL, NULL, 'NaN', NULL, NULL),
    (108, 'point one', 1, 1, 1, 0.1, NULL, NULL),
    (109, 'not exact in binary', NULL, NULL, NULL, 0.30000000000000004, NULL, NULL);

  INSERT INTO binary_values (id, label, day, ts, ts3, tstz, tstz0) VALUES
    (201, 'leap micro', '2024-02-29', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999', '2025-03-30 01:30:00.123456 Europe/Berlin', '2025-03-30 01:30:00 Europe/Berlin'),
    (202, 'epoch', '2000-01-01', '2000-01-01 00:00:00', '1999-12-31 23:59:59.999', '2000-01-01 00:00:00+00', '1999-12-31 23:59:59+00'),
    (203, 'unix epoch', '1970-01-01', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:00.001', '1970-01-01 00:00:00.000001+00', '1970-01-01 00:00:00+00'),
    (204, 'far past', '4713-01-01 BC', '4714-11-24 00:00:00 BC', '0044-03-15 12:00:00.5 BC', '0001-01-01 00:00:00+00 BC', '0001-12-31 23:59:59+00 BC'),
    (205, 'far future', '5874897-12-31', '294276-12-31 23:59:59.999999', '99999-01-01 00:00:00', '294276-12-31 23:59:59.999999+00', '10000-01-01 00:00:00+00'),
    (206, 'infinite', 'infinity', 'infinity', '-infinity', '-infinity', 'infinity'),
    (207, 'century rules', '1900-02-28', '2100-02-28 12:00:00', '1600-02-29 00:00:00', '0400-02-29 00:00:00+00', '1582-10-10 00:00:00+00'),
    (208, 'zone offsets', '0001-01-01', '1000-06-30 08:00:00.25', '1999-01-01 00:00:00', '2026-12-01 10:00:00+05:30', '1901-12-13 20:45:52-03:30');

  INSERT INTO binary_values (id, label, js, jsb, bin, uid, action) VALUES
    (301, 'json nested', '{ "b" : 1,  "a": [null, {"x": null}], "a": "dup key kept in json" }',
     '{"z": null, "nested": {"deep": [1, 2.50, {"k": null}]}, "big": 123456789012345678901234567890}', '\\x00ff10',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'STREAK_BONUS'),
    (302, 'json scalars', '"just a string"', '[null, true, false, 0, -1.5e-7, "\\u00e9\\ud83d\\ude00"]', '\\x',
     '00000000-0000-0000-0000-000000000000', 'ADMIN_ADJUSTMENT'),
    (303, 'json null', 'null', 'null', NULL, 'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL),
    (304, 'empty', '""', '{}', '', NULL, 'DAILY_LOGIN');
`;

/** Users inserted in one statement, each referring to a user further down the file (across batch boundaries). */
const FORWARD_REFERRALS_SQL = `
  INSERT INTO "User" ("privyDid", "updatedAt", username, "referralCode", "referredBy")
  SELECT 'did:privy:fwd' || lpad(i::text, 6, '0'), now(), 'fwd_' || i, 'FWD' || i,
         CASE WHEN i < $1::int THEN 'did:privy:fwd' || lpad((i + 10500)::text, 6, '0') END
    FROM generate_series(1, $1::int + 10500) AS i
`;

export async function createExtraTables(db: pg.Pool): Promise<void> {
  await db.query(EXTRA_TABLES_DDL);
}

/** Fills the extra tables and adds forward referrals to "User" (seed the app tables first). */
export async function fillHardValues(db: pg.Pool, forwardReferrals = 50): Promise<void> {
  await withTransaction(db, async (client) => {
    for (const statement of HARD_ROWS_SQL.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
      await client.query(statement, statement.includes("$1") ? [UNICODE] : []);
    }
    await client.query(`INSERT INTO serial_rows (note) SELECT 'row ' || i FROM generate_series(1, 25) AS i`);
    await client.query(`INSERT INTO cycle_b (id, a_id) SELECT i, i FROM generate_series(1, 30) AS i`);
    await client.query(`INSERT INTO cycle_a (id, b_id) SELECT i, 31 - i FROM generate_series(1, 30) AS i`);
    await client.query(FORWARD_REFERRALS_SQL, [forwardReferrals]);
    // Prisma's JsonNull (a JSON null value) next to DbNull (SQL NULL) in the app's own JSON column.
    await client.query(`UPDATE "PointTransaction" SET metadata = 'null'::jsonb WHERE id IN ('pt_1_1', 'pt_2_2', 'pt_3_1')`);
  });
}

export interface TableDigest {
  rows: number;
  md5: string | null;
}

/**
 * Per table: row count and md5 of every row's text form, in primary-key
 * order, computed by PostgreSQL. Two databases hold the same data exactly
 * when these agree table by table.
 */
export async function tableDigests(db: pg.Pool, skip: string[] = ["_prisma_migrations"]): Promise<Record<string, TableDigest>> {
  const digests: Record<string, TableDigest> = {};
  for (const table of await discoverTables(db)) {
    if (skip.includes(table.name)) continue;
    const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name)).map((c) => `t.${quoteIdent(c)}`);
    const result = await db.query<{ rows: number; md5: string | null }>(
      `SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY ${order.join(", ")})) AS md5 FROM ${quoteIdent(table.name)} t`,
    );
    digests[table.name] = result.rows[0]!;
  }
  return digests;
}

/** Every index, constraint and column nullability of the schema as PostgreSQL defines it (restore drops and rebuilds keys). */
export async function schemaDefinitions(db: pg.Pool): Promise<string[]> {
  const result = await db.query<{ definition: string }>(
    `SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' validated=' || c.convalidated AS definition
       FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f', 'x', 'c')
     UNION ALL
     SELECT indexdef || ' valid=' || x.indisvalid FROM pg_indexes i JOIN pg_index x ON x.indexrelid = format('%I.%I', i.schemaname, i.indexname)::regclass
      WHERE i.schemaname = current_schema()
     UNION ALL
     SELECT table_name || '.' || column_name || ' nullable=' || is_nullable FROM information_schema.columns WHERE table_schema = current_schema()
     ORDER BY 1`,
  );
  return result.rows.map((row) => row.definition);
}

export async function makeTempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pdg-restore-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
