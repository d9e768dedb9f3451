// The byte-level JSON row → COPY text encoder restore loads with. Exactness
// against PostgreSQL itself is proven by the round-trip tests (backup →
// restore → digests in SQL); these pin the escapes and the malformed-row errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FORMAT_VERSION, JsonRowsToCopyText } from "../../scripts/lib/backup/index.ts";

const COLUMNS = [
  { name: "id", type: "integer" },
  { name: "note", type: "text" },
  { name: "big", type: "numeric" },
  { name: "ok", type: "boolean" },
  { name: "meta", type: "jsonb" },
];

function encode(rows: string[], copyColumns = COLUMNS.map((c) => c.name)): string {
  return new JsonRowsToCopyText("things-backup.json", COLUMNS, copyColumns, FORMAT_VERSION).encode(rows.map((row) => Buffer.from(row))).toString("utf8");
}

describe("JsonRowsToCopyText", () => {
  it("writes numbers untouched, booleans as t/f and SQL NULL as \\N", () => {
    assert.equal(
      encode(['{"id":1,"note":null,"big":123456789012345678901234567890.000000000000000001,"ok":true,"meta":null}']),
      "1\t\\N\t123456789012345678901234567890.000000000000000001\tt\t\\N\n",
    );
    assert.equal(encode(['{"id":-2,"note":"NaN","big":1e+20,"ok":false,"meta":null}']), "-2\tNaN\t1e+20\tf\t\\N\n");
  });

  it("undoes JSON escapes and applies COPY's (tab, line breaks, backslash), decoding \\u escapes and surrogate pairs", () => {
    const note = String.raw`"q\"b\\s\/ n\n r\r t\t b\b f\f v\u000b e\u00e9 x\u005c y\u0009 z\ud83d\ude00 raw😀"`;
    assert.equal(
      encode([`{"id":1,"note":${note},"big":0,"ok":true,"meta":null}`]),
      `1\tq"b\\\\s/ n\\n r\\r t\\t b\\b f\\f v\u000b eé x\\\\ y\\t z😀 raw😀\t0\tt\t\\N\n`,
    );
  });

  it("keeps a json value's own text, COPY-escaped, and a noted JSON null as the json value null", () => {
    assert.equal(
      encode([String.raw`{"id":1,"note":"a","big":0,"ok":true,"meta":{"s":"x\"y\\z","t":[1,	2]}}`]),
      // Every backslash doubled, the raw tab between tokens written as \t.
      "1\ta\t0\tt\t" + String.raw`{"s":"x\\"y\\\\z","t":[1,\t2]}` + "\n",
    );
    assert.equal(encode(['{"id":1,"note":"a","big":0,"ok":true,"meta":"text"}']), '1\ta\t0\tt\t"text"\n');
    assert.equal(encode(['{"id":1,"note":"a","big":0,"ok":true,"meta":null,"":{"jsonNull":["meta"]}}']), "1\ta\t0\tt\tnull\n");
  });

  it("writes the COPY columns in their own order, leaving out the others, whatever the order of the keys", () => {
    assert.equal(encode(['{"id":7,"note":"n","big":1,"ok":true,"meta":[]}'], ["meta", "id"]), "[]\t7\n");
    assert.equal(encode(['{"ok":false,"meta":{},"id":8,"big":2,"note":"m"}']), "8\tm\t2\tf\t{}\n");
  });

  it("refuses a malformed row, naming the file and the row, and saying what to do", () => {
    const good = '{"id":1,"note":"a","big":0,"ok":true,"meta":null}';
    const cases: [string, RegExp][] = [
      ['{"id":1,"note":"a","big":0,"ok":true}', /no value for meta/],
      ['{"id":1,"note":"a","big":0,"ok":true,"meta":null,"extra":1}', /column "extra" is not in the summary/],
      ['{"id":1,"id":2,"note":"a","big":0,"ok":true,"meta":null}', /column "id" appears twice/],
      ['[1,2]', /not a JSON object/],
      [`${good} x`, /text after the closing/],
      ['{"id":1,"note":"a,"big":0,"ok":true,"meta":null}', /expected ":"|string is not closed|expected "," or "}"/],
      ['{"id":1,"note":{"x":1},"big":0,"ok":true,"meta":null}', /column "note" \(text\) holds an object or array, which the backup never writes for that type/],
      ['{"id":1,"note":"a","big":0,"ok":yes,"meta":null}', /"yes" is not a JSON value/],
      ['{"id":1,"note":"a\\q","big":0,"ok":true,"meta":null}', /"\\q" is not a JSON escape/],
      ['{"id":1,"note":"a","big":0,"ok":true,"meta":null,"":{"jsonNull":["note"]}}', /annotation names "note", not a jsonb column/],
    ];
    for (const [row, reason] of cases) {
      assert.throws(
        () => encode([good, row]),
        (error: Error) => {
          assert.match(error.message, /^things-backup\.json: row 2: /);
          assert.match(error.message, reason);
          assert.match(error.message, /by another tool\)\. Restore from another backup set; if every set of this table fails the same way/);
          return true;
        },
        row,
      );
    }
  });
});
