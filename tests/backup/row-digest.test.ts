// The per-table row digest: order-independent, a duplicated row counts, and
// the same whatever chunks the COPY stream arrives in.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { copyLinesInto, createRowDigest } from "../../scripts/lib/backup/row-digest.ts";
import { drillReportFileName, timestampsOfDrillReport, timestampOfTableFile } from "../../scripts/lib/backup/naming.ts";

async function digestOf(lines: string[]): Promise<string> {
  const digest = await createRowDigest();
  for (const line of lines) {
    const bytes = Buffer.from(line);
    digest.add(bytes, 0, bytes.length);
  }
  return digest.value();
}

describe("row digest", () => {
  const rows = ["1\talice\t\\N", "2\tbob\t2025-01-01 00:00:00", "3\tcarol\t{\"a\":1}"];

  it("is the same for the same rows in any order, and names its algorithm", async () => {
    const value = await digestOf(rows);
    assert.match(value, /^xxh64-sum:[0-9a-f]{16}$/);
    assert.equal(await digestOf([...rows].reverse()), value);
    assert.equal(await digestOf([rows[1]!, rows[2]!, rows[0]!]), value);
  });

  it("changes when a row is changed, lost or doubled (duplicates count: not XOR)", async () => {
    const value = await digestOf(rows);
    assert.notEqual(await digestOf([rows[0]!, rows[1]!, "3\tcarol\t{\"a\":2}"]), value);
    assert.notEqual(await digestOf(rows.slice(1)), value);
    assert.notEqual(await digestOf([...rows, rows[0]!]), value);
    assert.notEqual(await digestOf([rows[0]!, rows[0]!]), await digestOf([]));
    assert.equal(await digestOf([]), "xxh64-sum:0000000000000000");
  });

  it("reads a COPY stream line by line whatever its chunks", async () => {
    const text = Buffer.from(`${rows.join("\n")}\n`);
    const expected = await digestOf(rows);
    for (let cut = 1; cut < text.length; cut++) {
      const digest = await createRowDigest();
      await pipeline(Readable.from([text.subarray(0, cut), text.subarray(cut)]), copyLinesInto(digest));
      assert.equal(digest.value(), expected, `cut at ${cut}`);
      assert.equal(digest.rows, rows.length);
    }
    const unfinished = await createRowDigest();
    await assert.rejects(pipeline(Readable.from([Buffer.from("1\ta")]), copyLinesInto(unfinished)), /ended mid-row/);
  });

  it("names drill reports after their set and drill, distinct from table files", () => {
    const name = drillReportFileName("2026-12-01T02-00-00-000Z", "2026-12-01T02-05-09-123Z");
    assert.equal(name, "restore-drill-2026-12-01T02-00-00-000Z-at-2026-12-01T02-05-09-123Z.json");
    assert.deepEqual(timestampsOfDrillReport(name), { set: "2026-12-01T02-00-00-000Z", drill: "2026-12-01T02-05-09-123Z" });
    assert.equal(timestampOfTableFile(name), null, "never taken for a table file of an incomplete set");
    assert.equal(timestampsOfDrillReport("restore-drill-2026-12-01T02-00-00-000Z.json"), null);
  });
});
