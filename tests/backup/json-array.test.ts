// The table file's array structure (json-array.ts): rows come back exactly,
// without their trailing ",", however the file is cut into chunks — a row
// split across chunks, a line longer than a chunk — and every break of the
// structure is refused with its line number.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonArrayRowBatches } from "../../scripts/lib/backup/json-array.ts";

async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function rows(text: string, size: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of jsonArrayRowBatches(chunks(text, size), "t.json")) out.push(...batch.map((row) => row.toString()));
  return out;
}

async function refusal(text: string, size = 4): Promise<string> {
  try {
    await rows(text, size);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("accepted");
}

describe("jsonArrayRowBatches", () => {
  const file = `[\n{"a":1},\n{"b":"${"x".repeat(40)}"},\n{"c":[1,2]}\n]\n`;
  const expected = ['{"a":1}', `{"b":"${"x".repeat(40)}"}`, '{"c":[1,2]}'];

  it("gives the same rows whatever the chunk size", async () => {
    for (const size of [1, 2, 3, 5, 7, 16, 1 << 20]) assert.deepEqual(await rows(file, size), expected, `chunks of ${size}`);
  });

  it("reads an empty array and a file without the final line break", async () => {
    assert.deepEqual(await rows("[\n]\n", 1), []);
    assert.deepEqual(await rows('[\n{"a":1}\n]', 3), ['{"a":1}']);
  });

  it("refuses every break of the structure, naming the line", async () => {
    assert.match(await refusal('{"a":1}\n]\n'), /line 1: expected "\["/);
    assert.match(await refusal('[\n{"a":1}\n{"b":2}\n]\n'), /line 3: the previous row does not end with ","/);
    assert.match(await refusal('[\n{"a":1},\n]\n'), /line 3: the last row ends with ","/);
    assert.match(await refusal('[\n{"a":1},\n\n{"b":2}\n]\n'), /line 4: the previous row does not end with ","/);
    assert.match(await refusal('[\n{"a":1}\n]\nx\n'), /line 4: data after the closing \]/);
    assert.match(await refusal('[\n{"a":1},\n{"b":2}'), /line 4: the file ends before the closing \] \(truncated\)/);
  });
});
