// Whether a side holds a key twice, which its primary key forbids (a crafted
// or damaged file), checked without holding the keys: each row's key hash
// (SideRows.keyHash) is appended to a Float64Array — 8 bytes a row, written in
// order — which is sorted once the side is read; equal neighbours are
// suspects. Only when there are any is the side read again, for the suspects'
// keys themselves, so a collision of two hashes is never taken for a duplicate.
import { eachRow, type SideRows } from "./side-rows.ts";

/** 4 Mi hashes, 32 MB. */
const MAX_FIRST_ALLOCATION = 1 << 22;

export class KeyHashes {
  private hashes: Float64Array;
  private length = 0;

  /** `expectedRows`: the side's count (a summary's claim, untrusted: the first allocation is capped, and grows as needed). */
  constructor(expectedRows: number) {
    this.hashes = new Float64Array(Math.min(Math.max(1024, expectedRows), MAX_FIRST_ALLOCATION));
  }

  add(hash: number): void {
    if (this.length === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.length++] = hash;
  }

  /** The hashes added more than once (sorts what was added). */
  repeated(): Set<number> {
    const sorted = this.hashes.subarray(0, this.length).sort();
    const repeated = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
    return repeated;
  }
}

/** Reads `rows` (the side afresh) for the keys whose hash is in `suspects`: the first key found twice, or null. */
export async function repeatedKey(rows: SideRows, suspects: Set<number>): Promise<string | null> {
  const seen = new Set<string>();
  let repeated: string | null = null;
  await eachRow(rows, () => {
    if (repeated !== null || !suspects.has(rows.keyHash())) return;
    const key = rows.key();
    if (seen.has(key)) repeated = key;
    seen.add(key);
  });
  return repeated;
}
