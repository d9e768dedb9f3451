// The binary COPY encoder against PostgreSQL's own text input, value by
// value: every value PostgreSQL writes (random ones over each type's whole
// range, and the edges) loads in binary as the same value the text path
// loads; every other spelling — impossible dates and times, out-of-range
// numbers, other formats — is refused by the encoder, or loads exactly as
// the text path would load it. Never a different value.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import {
  BINARY_COPY_HEADER,
  BINARY_COPY_TRAILER,
  binaryEncodings,
  FORMAT_VERSION,
  JsonRowsToCopyBinary,
  JsonRowsToCopyText,
  valueKind,
} from "../../scripts/lib/backup/index.ts";
import { OperationError } from "../../scripts/lib/errors.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const TYPES = [
  "smallint", "integer", "bigint", "double precision", "date", "timestamp(6) without time zone", "timestamp(3) without time zone",
  "timestamp with time zone", "timestamp(0) with time zone", "uuid", "bytea", "text", "character(3)", "character varying(5)",
];

/** A random timestamp anywhere in PostgreSQL's range (4714-11-24 BC to 294276 AD), to the microsecond. */
const RANDOM_TIMESTAMP = `(date '4714-11-24 BC' + floor(random() * 109203000)::int) + random() * interval '86399.999999 seconds'`;

/** Values PostgreSQL writes for each type (its text output, in the backup's session settings): random over the range, and the edges. */
const CANONICAL_SQL: Record<string, string> = {
  smallint: `SELECT (floor(random() * 65536) - 32768)::smallint::text FROM generate_series(1, 200) UNION ALL SELECT unnest('{32767,-32768,0}'::text[])`,
  integer: `SELECT (floor(random() * 4294967296) - 2147483648)::int::text FROM generate_series(1, 200) UNION ALL SELECT unnest('{2147483647,-2147483648,0}'::text[])`,
  bigint: `SELECT (floor(random() * 2^64) - 2^63)::numeric::bigint::text FROM generate_series(1, 200)
           UNION ALL SELECT unnest('{9223372036854775807,-9223372036854775808,9007199254740993}'::text[])`,
  "double precision": `SELECT ((random() - 0.5) * 10 ^ (random() * 600 - 300))::float8::text FROM generate_series(1, 300)
           UNION ALL SELECT unnest('{NaN,Infinity,-Infinity,-0,0,5e-324,1.7976931348623157e+308,2.2250738585072014e-308,0.30000000000000004}'::float8[])::text`,
  date: `SELECT (date '4713-01-01 BC' + floor(random() * 2147000000 / 1000)::int)::text FROM generate_series(1, 300)
           UNION ALL SELECT unnest('{4713-01-01 BC,5874897-12-31,infinity,-infinity,0001-01-01 BC,2000-02-29,1900-02-28}'::date[])::text`,
  "timestamp(6) without time zone": `SELECT (${RANDOM_TIMESTAMP})::timestamp(6)::text FROM generate_series(1, 300)
           UNION ALL SELECT (timestamp '2000-01-01' + random() * interval '300 years' - interval '150 years')::text FROM generate_series(1, 300)
           UNION ALL SELECT unnest('{4714-11-24 00:00:00 BC,294276-12-31 23:59:59.999999,infinity,-infinity,1999-12-31 23:59:59.999999}'::timestamp[])::text`,
  "timestamp(3) without time zone": `SELECT (timestamp '1900-01-01' + random() * interval '200 years')::timestamp(3)::text FROM generate_series(1, 200)`,
  "timestamp with time zone": `SELECT ((${RANDOM_TIMESTAMP}) AT TIME ZONE 'UTC')::text FROM generate_series(1, 300)
           UNION ALL SELECT unnest('{4714-11-24 00:00:00+00 BC,294276-12-31 23:59:59.999999+00,infinity,-infinity}'::timestamptz[])::text`,
  "timestamp(0) with time zone": `SELECT (timestamptz '1970-01-01 00:00:00+00' + random() * interval '100 years')::timestamptz(0)::text FROM generate_series(1, 100)`,
  uuid: `SELECT gen_random_uuid()::text FROM generate_series(1, 50)`,
  bytea: `SELECT decode(repeat(md5(i::text), i % 4), 'hex')::text FROM generate_series(1, 20) AS i`,
  text: `SELECT unnest(ARRAY['', ' ', 'é', '😀 漢', E'tab\\tnew\\nline\\r', 'back\\slash', '"quoted"', E'\\u2028', 'x'])`,
  "character(3)": `SELECT unnest(ARRAY['', 'a', 'abc', 'é😀'])::character(3)::text`,
  "character varying(5)": `SELECT unnest(ARRAY['', 'abcde', 'é😀'])::varchar(5)::text`,
};

/** Spellings PostgreSQL never writes. Each must be refused by the encoder or load as the text path loads it. */
const HOSTILE: Record<string, string[]> = {
  smallint: ["1.5", "1e3", "-0", "32768", "-32769", '"7"'],
  integer: ["2147483648", "-2147483649", "1.0", "1E2", '"NaN"', "-0"],
  bigint: ["9223372036854775808", "-9223372036854775809", "1.5", "123456789012345678901234567890"],
  "double precision": ["1e400", "-1e400", "1e-400", "2.4e-324", '"nan"', '"inf"', '"Infinity "', "1E+2", "-0.0"],
  date: ["2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "2024-1-01", " 2024-01-01", "2024-01-01 BC BC",
    "1900-02-29", "5874898-01-01", "4714-01-01 BC", "20240101", "Infinity", "epoch", "2024-01-01 00:00:00"],
  "timestamp(6) without time zone": ["2024-01-01 24:00:00", "2024-01-01 23:60:00", "2024-01-01 23:59:60", "2024-01-01T00:00:00", "2024-01-01 00:00:00.1234567",
    "2024-01-01 00:00:00.", "2024-01-01 00:00:00+00", "2023-02-29 00:00:00", "294277-01-01 00:00:00", "4714-11-23 00:00:00 BC", "2024-01-01 0:00:00",
    "2024-01-01 00:00", "2024-01-01", "now", "2024-01-01 00:00:00 BC", "0000-01-01 00:00:00"],
  "timestamp(3) without time zone": ["2024-01-01 00:00:00.9999", "2024-01-01 00:00:00.0005"],
  "timestamp with time zone": ["2024-01-01 00:00:00", "2024-01-01 00:00:00+25", "2024-01-01 00:00:00+05:60", "2024-01-01 00:00:00+05:30:61",
    "2024-01-01 00:00:00 UTC", "2024-01-01 00:00:00Z", "2024-01-01 00:00:00+0530", "2024-01-01 00:00:00-12", "2024-06-30 23:59:59.999999-15:59:59",
    "0044-03-15 12:00:00.5 BC+00", "2024-02-30 00:00:00+00"],
  "timestamp(0) with time zone": ["2024-01-01 00:00:00.5+00", "2024-12-31 23:59:59.999999+00"],
  uuid: ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"],
  bytea: ["\\x0", "\\xzz", "abc", "\\X00", "\\x0A", "\\\\000"],
  text: [],
  "character(3)": ["abcd", "ab "],
  "character varying(5)": ["abcdef"],
};

/** A value's JSON as the backup writes it for `type`: a number's text bare (NaN and the infinities quoted), anything else a string. */
function jsonOf(type: string, text: string): string {
  if (valueKind(type, FORMAT_VERSION) !== 0) return JSON.stringify(text);
  return /^(NaN|-?Infinity)$/.test(text) ? JSON.stringify(text) : text;
}

const tableOf = (type: string) => `v_${type.replace(/\W+/g, "_")}`;

describe("binary COPY against PostgreSQL's text input, value by value", () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  before(async () => {
    db = await createTestDatabase({ empty: true });
    client = await db.pool.connect();
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; SET bytea_output = 'hex'`);
    for (const type of TYPES) await client.query(`CREATE TABLE ${tableOf(type)} (format text, v ${type})`);
  });
  after(async () => {
    client.release();
    await db.drop();
  });

  /** Loads `{"v": json}` through one encoder and COPY; the stored value's text, or null when refused (by the encoder or the server). */
  async function load(type: string, json: string, format: "binary" | "text"): Promise<{ text: string | null } | null> {
    const columns = [{ name: "v", type }];
    const row = Buffer.from(`{"v":${json}}`);
    let data: Buffer[];
    try {
      if (format === "binary") {
        const encodings = binaryEncodings([type])!;
        data = [BINARY_COPY_HEADER, new JsonRowsToCopyBinary("t.json", columns, ["v"], FORMAT_VERSION, encodings).encode([row]), BINARY_COPY_TRAILER];
      } else {
        data = [new JsonRowsToCopyText("t.json", columns, ["v"], FORMAT_VERSION).encode([row])];
      }
    } catch (error) {
      if (error instanceof OperationError) return null;
      throw error;
    }
    const table = tableOf(type);
    await client.query("SAVEPOINT one_value");
    try {
      await pipeline(Readable.from(data), client.query(copyFrom(`COPY ${table} (v) FROM STDIN${format === "binary" ? " (FORMAT binary)" : ""}`)));
    } catch {
      await client.query("ROLLBACK TO SAVEPOINT one_value");
      return null;
    }
    const stored = await client.query<{ text: string | null }>(`SELECT v::text AS text FROM ${table}`);
    await client.query("ROLLBACK TO SAVEPOINT one_value");
    assert.equal(stored.rows.length, 1);
    return stored.rows[0]!;
  }

  it("the types it covers are the ones it says it encodes", () => {
    for (const type of TYPES) assert.ok(binaryEncodings([type]), type);
    for (const type of ["numeric", "real", "interval", "time without time zone", "integer[]", "inet", "money", "xml", "\"PointActionType\""]) {
      assert.equal(binaryEncodings([type]), null, type);
    }
    assert.ok(binaryEncodings(["enum", "json", "jsonb", "boolean", "bpchar", "character varying"]));
  });

  /** Runs `work` in a transaction that is always rolled back (each value is loaded under a savepoint). */
  async function rolledBack(work: () => Promise<void>): Promise<void> {
    await client.query("BEGIN");
    try {
      await work();
    } finally {
      await client.query("ROLLBACK");
    }
  }

  it("loads every value PostgreSQL writes as the text path loads it, over each type's whole range", async () => {
    let values = 0;
    await rolledBack(async () => {
      for (const type of TYPES) {
        const canonical = (await client.query<{ text: string }>(`SELECT t::text AS text FROM (${CANONICAL_SQL[type]!}) AS s(t)`)).rows.map((row) => row.text);
        for (const text of [...canonical, null]) {
          const json = text === null ? "null" : jsonOf(type, text);
          const [binary, viaText] = [await load(type, json, "binary"), await load(type, json, "text")];
          assert.ok(viaText, `${type} ${json}: the text path refuses a value PostgreSQL wrote`);
          assert.ok(binary, `${type} ${json}: refused in binary`);
          assert.equal(binary.text, viaText.text, `${type} ${json}`);
          values++;
        }
      }
    });
    assert.ok(values > 2000, `${values} values`);
  });

  it("refuses every other spelling, or loads it exactly as the text path does — never a different value", async () => {
    const refused: string[] = [];
    await rolledBack(async () => {
      for (const type of TYPES) {
        for (const text of HOSTILE[type]!) {
          const json = text.startsWith('"') ? text : jsonOf(type, text);
          const [binary, viaText] = [await load(type, json, "binary"), await load(type, json, "text")];
          if (binary === null) {
            refused.push(`${type} ${json}`);
            continue;
          }
          assert.ok(viaText, `${type} ${json}: loaded in binary as ${binary.text}, which PostgreSQL's input refuses`);
          assert.equal(binary.text, viaText.text, `${type} ${json}`);
        }
      }
    });
    // Most of them must have been refused (the encoder reads only what PostgreSQL writes).
    assert.ok(refused.length > 60, refused.join("\n"));
  });
});
