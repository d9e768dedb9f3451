// The next table's COPY data read ahead while the server builds indexes:
// bounded, in order, its errors kept for whoever takes the batches, and
// stopped (its source closed) when the restore stops early.
import assert from "node:assert/strict";
import { setImmediate } from "node:timers/promises";
import { describe, it } from "node:test";
import type { EncodedBatch } from "../../scripts/lib/restore/copy-encoders.ts";
import { readAhead } from "../../scripts/lib/restore/read-ahead.ts";

/** A source of `count` 10-byte batches that records how many were taken and whether it was closed; throws at `failAt`. */
function source(count: number, failAt = -1) {
  const state = { taken: 0, closed: false };
  async function* batches(): AsyncGenerator<EncodedBatch> {
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new Error(`batch ${i} is damaged`);
        state.taken++;
        yield { text: Buffer.alloc(10, i), rows: 1 };
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, batches: batches() };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await setImmediate();
}

describe("read-ahead of a table's COPY data", () => {
  it("reads ahead before it is asked, but no more than its limit, and hands out every batch in order", async () => {
    const { state, batches } = source(100);
    const ahead = readAhead(batches, 35);
    await settle();
    assert.equal(state.taken, 4, "read ahead up to the limit (35 bytes: four 10-byte batches), no further");
    const seen: number[] = [];
    for await (const batch of ahead) seen.push(batch.text[0]!);
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(state.closed, true);
  });

  it("keeps a read error for whoever takes the batches, after the batches read before it", async () => {
    const { batches } = source(10, 3);
    const ahead = readAhead(batches, 1000);
    await settle();
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const batch of ahead) seen.push(batch.text[0]!);
    }, /batch 3 is damaged/);
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it("cancel() stops reading and closes the source, whether or not anything was taken", async () => {
    const { state, batches } = source(100);
    const ahead = readAhead(batches, 25);
    await settle();
    await ahead.cancel();
    assert.equal(state.closed, true);
    const taken = state.taken;
    await settle();
    assert.equal(state.taken, taken);

    const early = source(100);
    const leftEarly = readAhead(early.batches, 25);
    for await (const batch of leftEarly) if (batch.text[0] === 1) break;
    assert.equal(early.state.closed, true, "leaving the loop early (a failed COPY) closes the source too");
  });
});
