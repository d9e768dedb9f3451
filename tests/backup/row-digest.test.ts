// The per-table row digest: order-independent, a duplicated row counts, and
// the same whatever chunks the COPY stream arrives in.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { readFile } from "node:fs/promises";
import { xxh64 } from "@node-rs/xxhash";
import wabtInit from "wabt";
import { copyLinesInto, createRowDigest } from "../../scripts/lib/backup/row-digest.ts";
import { XXH64_SUM_WASM } from "../../scripts/lib/backup/xxh64-sum-wasm.ts";
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

  it("is the sum of every row's XXH64 (checked against @node-rs/xxhash), rows of any length, in batches of any size", async () => {
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    // Every length around XXH64's 32-, 8-, 4- and 1-byte steps, some long rows, and one larger than the module's first memory.
    const lengths = [...Array.from({ length: 80 }, (_, i) => i), 1000, 4097, 65536, 300_000];
    const lines = lengths.map((length) => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256))));
    const expected = lines.reduce((sum, line) => BigInt.asUintN(64, sum + xxh64(line)), 0n);
    const joined = Buffer.concat(lines);
    const digest = await createRowDigest();
    let at = 0;
    lines.forEach((line, i) => {
      digest.add(joined, at, at + line.length);
      at += line.length;
      if (i % 7 === 0) digest.flush();
    });
    assert.equal(digest.value(), `xxh64-sum:${expected.toString(16).padStart(16, "0")}`);
    assert.equal(digest.rows, lines.length);
    // More rows than one batch holds, from one buffer.
    const many = await createRowDigest();
    const row = Buffer.from("1\tx");
    for (let i = 0; i < 20_000; i++) many.add(row, 0, row.length);
    assert.equal(many.value(), `xxh64-sum:${BigInt.asUintN(64, 20_000n * xxh64(row)).toString(16).padStart(16, "0")}`);
  });

  it("runs xxh64-sum.wat as it is: the embedded module is that file assembled (wabt)", async () => {
    const wabt = await wabtInit();
    const source = await readFile(new URL("../../scripts/lib/backup/xxh64-sum.wat", import.meta.url), "utf8");
    const assembled = wabt.parseWat("xxh64-sum.wat", source).toBinary({}).buffer;
    assert.equal(Buffer.from(assembled).toString("base64"), XXH64_SUM_WASM, "xxh64-sum-wasm.ts is stale: regenerate it (its comment says how)");
  });

  it("names drill reports after their set and drill, distinct from table files", () => {
    const name = drillReportFileName("2026-12-01T02-00-00-000Z", "2026-12-01T02-05-09-123Z");
    assert.equal(name, "restore-drill-2026-12-01T02-00-00-000Z-at-2026-12-01T02-05-09-123Z.json");
    assert.deepEqual(timestampsOfDrillReport(name), { set: "2026-12-01T02-00-00-000Z", drill: "2026-12-01T02-05-09-123Z" });
    assert.equal(timestampOfTableFile(name), null, "never taken for a table file of an incomplete set");
    assert.equal(timestampsOfDrillReport("restore-drill-2026-12-01T02-00-00-000Z.json"), null);
  });
});
