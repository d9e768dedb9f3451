// Fuzz-style test of the JSON → COPY path restore loads with: seeded random
// rows full of hostile bytes — every control character, backslash
// sequences, "\.", CR and LF in every token position, bad \u escapes, lone
// surrogates, invalid UTF-8, huge numbers — each either loads exactly as a
// strict JSON parser reads it (one row, the same values) or is refused with
// nothing loaded. PDG_FUZZ_SEED=<n> replays a run; a failure names its seed and case.
import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { FORMAT_VERSION, JsonRowsToCopyText } from "../../scripts/lib/backup/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const SEED = Number(process.env.PDG_FUZZ_SEED ?? 20261201);
const CASES = 1000;
const COLUMNS = [
  { name: "id", type: "integer" },
  { name: "t", type: "text" },
  { name: "n", type: "numeric" },
  { name: "j", type: "jsonb" },
];

/** mulberry32: small, seeded, reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i));
  const hex = () => Math.floor(next() * 0x10000).toString(16).padStart(4, "0");
  const benign = () => pick(["a", "Z", " ", "é", "😀", "漢", "\u2028", "'", "/", "\u007f", "\\n", "\\\\", '\\"', "\\u00e9"]);
  const stringPiece = () =>
    next() < 0.75 ? benign() : pick([
      () => pick(controls),
      () => pick(["\\n", "\\r", "\\t", "\\b", "\\f", '\\"', "\\\\", "\\/", "\\.", "\\N", "\\x", "\\q", "\\", "\\u41", "\\uZZZZ"]),
      () => `\\u${hex()}`,
      () => pick(["\\ud83d\\ude00", "\\ud800", "\\udfff", "\\ud800\\u0041", "\\u0000", "\\u0009", "\\u005c", "\\u000a"]),
      () => pick(["\r", "\n", "\r\n", "\\.\n", "\n\\.\n", "\t"]),
      () => "\u0000",
    ])();
  const jsonString = () => {
    let text = '"';
    for (let i = Math.floor(next() * 8); i > 0; i--) text += stringPiece();
    return next() < 0.97 ? `${text}"` : text;
  };
  const number = () =>
    next() < 0.5 ? String(Math.floor(next() * 2e6) - 1e6) : pick([
      () => String(Math.floor(next() * 2000) - 1000),
      () => `${pick(["", "-"])}${pick(["0", "1", "12", "007", ""])}${pick(["", ".", ".5", ".0001"])}${pick(["", "e", "e+", "e-7", "E400", "e-400"])}`,
      () => "9".repeat(1 + Math.floor(next() * 400)),
      () => `1${"0".repeat(Math.floor(next() * 30))}.${"1".repeat(Math.floor(next() * 30))}`,
      () => pick(["7\\.", "1\r\\.\r9", "1\n2", "1\t2", "NaN", "Infinity", "-0", "1e999999", "0x10", "+1"]),
    ])();
  const space = () => (next() < 0.7 ? "" : pick([" ", "\t", "\r", "\n", "\r\n", "  \t"]));
  const json = (depth: number): string => {
    const kind = Math.floor(next() * (depth > 2 ? 4 : 6));
    if (kind === 0) return pick(["null", "true", "false", "nul", "tru"]);
    if (kind === 1) return number();
    if (kind === 2 || kind === 3) return jsonString();
    const items = Array.from({ length: Math.floor(next() * 3) }, () =>
      kind === 4 ? `${space()}${json(depth + 1)}${space()}` : `${space()}${jsonString()}${space()}:${space()}${json(depth + 1)}${space()}`,
    );
    return kind === 4 ? `[${items.join(",")}]` : `{${items.join(",")}}`;
  };
  return (id: number): Buffer => {
    const values = [String(id), next() < 0.1 ? "null" : jsonString(), next() < 0.1 ? "null" : number(), next() < 0.1 ? "null" : json(0)];
    const members = COLUMNS.map((column, i) => `${space()}"${column.name}"${space()}:${space()}${values[i]}${space()}`);
    const row = `{${members.join(",")}}${next() < 0.03 ? pick(["x", ",", "}", "\\."]) : ""}`;
    const bytes = Buffer.from(row, "utf8");
    // Now and then a byte that is not UTF-8.
    if (next() < 0.03) bytes[Math.floor(next() * bytes.length)] = pick([0xff, 0xc3, 0x80]);
    return bytes;
  };
}

/** What a strict JSON parser reads from the row, or null when it is not valid JSON of the row's shape. */
function strictRead(row: Buffer): { t: string | null; n: string | null; j: unknown; jText: string | null } | null {
  if (!isUtf8(row)) return null;
  const text = row.toString("utf8");
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  // Unicode strings only (JSON.parse lets lone surrogates through).
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const wellFormed = (item: unknown): boolean =>
    typeof item === "string"
      ? !loneSurrogate.test(item)
      : Array.isArray(item)
        ? item.every(wellFormed)
        : item !== null && typeof item === "object"
          ? Object.entries(item).every(([k, v]) => !loneSurrogate.test(k) && wellFormed(v))
          : true;
  if (!wellFormed(value)) return null;
  const t = value.t;
  if (t !== null && (typeof t !== "string" || t.includes("\u0000"))) return null;
  // The number's own text (JSON.parse would round it): the token between "n": and the next member.
  const nToken = /"n"\s*:\s*(-?[0-9][0-9.eE+-]*|null)/.exec(text)?.[1] ?? null;
  if (value.n !== null && typeof value.n !== "number") return null;
  const jText = /"j"\s*:\s*([\s\S]*?)\s*}$/.exec(text)?.[1] ?? null;
  return { t: t as string | null, n: value.n === null ? null : nToken, j: value.j, jText: value.j === null ? null : jText };
}

describe(`JSON → COPY fuzz (seed ${SEED}, ${CASES} rows)`, () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  before(async () => {
    db = await createTestDatabase({ empty: true });
    await db.pool.query(`CREATE TABLE fuzz (id int, t text, n numeric, j jsonb)`);
    client = await db.pool.connect();
  });
  after(async () => {
    client.release();
    await db.drop();
  });

  it("loads each row exactly as strict JSON reads it, or refuses it with nothing loaded", async () => {
    const row = generator(random(SEED));
    const tally = { loaded: 0, refused: 0 };
    await client.query("BEGIN");
    for (let id = 1; id <= CASES; id++) {
      const bytes = row(id);
      const label = `seed ${SEED}, case ${id}: ${JSON.stringify(bytes.toString("latin1"))}`;
      const expected = strictRead(bytes);
      let text: Buffer | null = null;
      try {
        text = new JsonRowsToCopyText("fuzz.json", COLUMNS, ["id", "t", "n", "j"], FORMAT_VERSION).encode([bytes]);
      } catch {
        assert.equal(expected, null, `refused by the encoder but strict JSON reads it — ${label}`);
        tally.refused++;
        continue;
      }
      assert.ok(expected, `encoded although strict JSON refuses it — ${label}`);
      await client.query("SAVEPOINT one_row");
      const copy = client.query(copyFrom("COPY fuzz (id, t, n, j) FROM STDIN"));
      try {
        await pipeline(Readable.from([text]), copy);
      } catch (error) {
        // PostgreSQL may refuse a value JSON allows (numeric overflow, \u0000 in jsonb): refused, and nothing stays.
        await client.query("ROLLBACK TO SAVEPOINT one_row");
        assert.match((error as Error).message, /out of range|overflow|unsupported Unicode escape|cannot be converted|exceeds/, label);
        assert.equal((await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM fuzz`)).rows[0]!.n, 0, label);
        tally.refused++;
        continue;
      }
      assert.equal(copy.rowCount, 1, `COPY stored ${copy.rowCount} rows — ${label}`);
      const stored = await client.query<{ id: number; t: string | null; same_n: boolean | null; j: string | null; same_j: boolean | null }>(
        `SELECT id, t, n = $1::numeric AS same_n, j::text AS j, j = $2::jsonb AS same_j FROM fuzz`,
        [expected.n, expected.jText],
      );
      assert.equal(stored.rows.length, 1, label);
      const got = stored.rows[0]!;
      assert.equal(got.id, id, label);
      assert.equal(got.t, expected.t, label);
      assert.equal(expected.n === null ? got.same_n === null : got.same_n, true, label);
      if (expected.jText === null) assert.equal(got.j, null, label);
      else {
        assert.equal(got.same_j, true, label);
        // Through JSON text once more: -0 and 0 are the same JSON number (jsonb stores numeric, which has no -0).
        const normal = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
        assert.deepEqual(normal(JSON.parse(got.j!)), normal(expected.j), label);
      }
      await client.query("ROLLBACK TO SAVEPOINT one_row");
      tally.loaded++;
    }
    await client.query("ROLLBACK");
    // The generator must exercise both outcomes.
    assert.ok(tally.loaded > CASES / 10 && tally.refused > CASES / 10, JSON.stringify(tally));
  });
});
