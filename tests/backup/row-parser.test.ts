// The strict row parser that db:verify-backup and db:restore share: both
// accept exactly the same files. Pinned here: what strict JSON refuses that
// a lenient reader took (\u41, lone surrogates, bytes after a number), what
// both accept (reordered keys, whitespace), and the smaller summary checks.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  FORMAT_VERSION, JsonRowsToCopyText, RowFormatError, RowParser, createBackup, readSummary, verifyBackupSet,
} from "../../scripts/lib/backup/index.ts";
import { restoreBackup } from "../../scripts/lib/restore/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { copySet, editSummary, entryOf, fileOf, removeDir, sha256, tempDir } from "./support.ts";
import { readFileSync } from "node:fs";

const COLUMNS = [
  { name: "id", type: "integer" },
  { name: "note", type: "text" },
  { name: "n", type: "numeric" },
];

function problem(row: string): string | null {
  try {
    new RowParser(COLUMNS, FORMAT_VERSION).parse(Buffer.from(row));
    return null;
  } catch (error) {
    assert.ok(error instanceof RowFormatError, String(error));
    return error.message;
  }
}

describe("RowParser", () => {
  it("refuses what strict JSON refuses", () => {
    const cases: [string, RegExp][] = [
      ['{"id":1,"note":"\\u41","n":1}', /not four hex digits/],
      ['{"id":1,"note":"\\ud800","n":1}', /lone high surrogate/],
      ['{"id":1,"note":"\\udc00x","n":1}', /lone low surrogate/],
      ['{"id":1,"note":"\\ud800\\u0041","n":1}', /lone high surrogate/],
      ['{"id":1,"note":"a","n":7\\.}', /expected "," or "}"/],
      ['{"id":1,"note":"a","n":1\r\\.\r9}', /expected "," or "}"/],
      ['{"id":01,"note":"a","n":1}', /expected "," or "}"/],
      ['{"id":1,"note":"a","n":1.}', /no digits after its decimal point/],
      ['{"id":1,"note":"a","n":-}', /no digits/],
      ['{"id":1,"note":"a","n":1e}', /no digits in its exponent/],
      ['{"id":1,"note":"tab\there","n":1}', /raw control character \(0x09\)/],
      ['{"id":1,"note":"a","n":NaN}', /is not a JSON value/],
      ['{"id":1,"note":"a","n":1,"id":2}', /column "id" appears twice/],
      ['{"id":1,"note":"\\u0000","n":1}', /\\u0000, which PostgreSQL text cannot/],
      ['{"id":true,"note":"a","n":1}', /column "id" \(integer\) holds true/],
      ['{"id":1,"note":5,"n":1}', /column "note" \(text\) holds a number/],
      ['{"id":1,"note":"a","n":1} x', /text after the closing/],
    ];
    for (const [row, reason] of cases) assert.match(problem(row) ?? "accepted", reason, row);
    const badUtf8 = Buffer.concat([Buffer.from('{"id":1,"note":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","n":1}')]);
    assert.throws(() => new RowParser(COLUMNS, FORMAT_VERSION).parse(badUtf8), /not valid UTF-8/);
  });

  it("accepts reordered keys, escaped key names and JSON whitespace, and the encoder loads them the same", () => {
    for (const row of ['{"n":1,"note":"a","id":1}', '{ "id" : 1 ,\t"note":"a",\r"n":1 }', '{"\\u0069d":1,"note":"a","n":1}']) {
      assert.equal(problem(row), null, row);
      const text = new JsonRowsToCopyText("f.json", COLUMNS, ["id", "note", "n"], FORMAT_VERSION).encode([Buffer.from(row)]).toString();
      assert.equal(text, "1\ta\t1\n", row);
    }
  });
});

describe("verify and restore accept exactly the same crafted files (checksums recomputed, as an attacker can)", () => {
  let db: TestDatabase;
  let dir: string;
  let summaryPath: string;
  before(async () => {
    db = await createTestDatabase({ empty: true });
    await db.pool.query(`CREATE TABLE note (id int PRIMARY KEY, note text, n numeric); INSERT INTO note VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)`);
    dir = await tempDir("crafted");
    ({ summaryPath } = await createBackup({ target: db.target, outDir: dir, kind: "manual" }));
  });
  after(async () => {
    await db.drop();
    await removeDir(dir);
  });

  /** A copy of the set whose note file holds `rows`, with the summary's checksums made to match. */
  async function crafted(rows: string[]): Promise<string> {
    const copy = await copySet(summaryPath, "crafted-set");
    const entry = entryOf(await readSummary(copy), "note");
    const bytes = Buffer.from(`[\n${rows.join(",\n")}\n]\n`);
    await writeFile(fileOf(copy, entry), bytes);
    await editSummary(copy, (summary) => {
      const table = entryOf(summary, "note");
      table.bytes = bytes.length;
      table.sha256 = sha256(bytes);
      table.rows = rows.length;
      summary.counts.note = rows.length;
    });
    return copy;
  }

  async function outcome(copy: string): Promise<{ verify: boolean; restore: string }> {
    const verify = (await verifyBackupSet(copy)).ok;
    await db.pool.query(`TRUNCATE note`);
    try {
      await restoreBackup({ target: db.target, from: copy, backupDir: path.dirname(copy), mode: "empty" });
      const rows = await db.pool.query<{ r: string }>(`SELECT string_agg(id || ':' || note || ':' || n, ' ' ORDER BY id) AS r FROM note`);
      return { verify, restore: rows.rows[0]!.r };
    } catch (error) {
      const count = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM note`);
      assert.equal(count.rows[0]!.n, 0, "a refused restore loads nothing");
      return { verify, restore: `refused: ${(error as Error).message}` };
    }
  }

  it("refuses (both) a number followed by \\. and a CR-injected row", async () => {
    for (const bad of ['{"id":2,"note":"two","n":7\\.}', '{"id":2,"note":"two","n":2\r\\.\r9\t9\tnine}']) {
      const result = await outcome(await crafted(['{"id":1,"note":"one","n":1}', bad, '{"id":3,"note":"three","n":3}']));
      assert.equal(result.verify, false, bad);
      assert.match(result.restore, /^refused: .*row 2: expected "," or "}" after a value\. The file matches its summary's checksums/, bad);
    }
  });

  it("accepts (both) reordered keys and refuses (both) duplicate keys", async () => {
    const reordered = await outcome(await crafted(['{"n":1,"id":1,"note":"one"}', '{"note":"two","n":2,"id":2}']));
    assert.deepEqual(reordered, { verify: true, restore: "1:one:1 2:two:2" });
    const duplicate = await outcome(await crafted(['{"id":1,"note":"one","n":1,"note":"uno"}']));
    assert.equal(duplicate.verify, false);
    assert.match(duplicate.restore, /^refused: .*column "note" appears twice/);
  });

  it("refuses a summary row count beyond 2^53 instead of echoing it rounded", async () => {
    const copy = await copySet(summaryPath, "big-count");
    const text = readFileSync(copy, "utf8").replace(/"rows": 3/, '"rows": 9007199254740993');
    await writeFile(copy, text);
    await assert.rejects(readSummary(copy), /table note: rows and bytes must be whole numbers from 0 to 2\^53 - 1/);
  });

  it("says the summary was altered when it names a file outside its directory, in one sentence", async () => {
    const copy = await copySet(summaryPath, "traversal");
    await editSummary(copy, (summary) => {
      entryOf(summary, "note").file = "../note.json";
    });
    await assert.rejects(
      restoreBackup({ target: db.target, from: copy, backupDir: path.dirname(copy), mode: "empty" }),
      (error: Error) => /names an invalid table file "\.\.\/note\.json"; the summary was altered\. Restore from another set\.$/.test(error.message),
    );
  });

  it("records no pending migrations for a database without _prisma_migrations", async () => {
    const summary = await readSummary(summaryPath);
    assert.equal(summary.migrations.table, null);
    assert.deepEqual(summary.migrations.pending, []);
  });
});
