// The join for two sides whose rows come in nearly the same order — two sets
// of one database, or a set and the live table: a table is copied in its
// physical order, which changes only where rows were added, deleted or
// updated. The sides are read in step, and a row equal to its counterpart
// byte for byte is the same row, with nothing kept. Where they part, rows
// wait in two small maps until their counterpart comes, and the side that
// ran ahead waits for the other: a deleted run, a moved row, costs a map
// entry a row until the sides are in step again. Should more rows than the
// row budget wait at once (a table rewritten in another order), the join
// gives up, and the caller compares the table by hash partitions instead.
// Every row's key hash goes to its side's KeyHashes for the duplicate check.
import type { Findings } from "./findings.ts";
import type { KeyHashes } from "./key-hashes.ts";
import type { SideRows } from "./side-rows.ts";

interface Side {
  rows: SideRows;
  hashes: KeyHashes;
  /** Rows of this side waiting for their counterpart: key → a copy of the values. */
  waiting: Map<string, Buffer>;
  /** There is a current row. */
  current: boolean;
}

/** Moves `side` to its next row; a promise only when a batch must be read (no async step per row). */
function advance(side: Side): Promise<void> | undefined {
  const more = side.rows.next();
  if (more instanceof Promise) return more.then((next) => arrive(side, next));
  arrive(side, more);
  return undefined;
}

function arrive(side: Side, more: boolean): void {
  side.current = more;
  if (more) side.hashes.add(side.rows.keyHash());
}

/**
 * Compares two keyed sides into `findings`; false when it gave up (over the
 * budget: both sides then read to their end, findings incomplete).
 * `whole`: equal row bytes mean equal rows (RowValues.whole).
 */
export async function alignedJoin(
  a: { rows: SideRows; hashes: KeyHashes },
  b: { rows: SideRows; hashes: KeyHashes },
  findings: Findings,
  options: { whole: boolean; rowBudget: number },
): Promise<boolean> {
  const sideA: Side = { ...a, waiting: new Map(), current: false };
  const sideB: Side = { ...b, waiting: new Map(), current: false };
  const overBudget = () => sideA.waiting.size + sideB.waiting.size > options.rowBudget;
  /** The current row of `side` meets its counterpart waiting on `other`, or waits itself; true when it met it. */
  const meetOrWait = (side: Side, other: Side, key: string): boolean => {
    const waiting = other.waiting.get(key);
    if (waiting === undefined) {
      side.waiting.set(key, Buffer.from(side.rows.values()));
      return false;
    }
    other.waiting.delete(key);
    if (side === sideA) findings.pair(key, sideA.rows.values(), waiting);
    else findings.pair(key, waiting, sideB.rows.values());
    return true;
  };

  await Promise.all([advance(sideA), advance(sideB)]);
  while (sideA.current && sideB.current) {
    let moveA = true;
    let moveB = true;
    if (options.whole && sideA.rows.row.equals(sideB.rows.row)) {
      findings.same++;
    } else {
      const keyA = sideA.rows.key();
      const keyB = sideB.rows.key();
      if (keyA === keyB) findings.pair(keyA, sideA.rows.values(), sideB.rows.values());
      else if (sideB.waiting.has(keyA)) moveB = !meetOrWait(sideA, sideB, keyA);
      else if (sideA.waiting.has(keyB)) moveA = !meetOrWait(sideB, sideA, keyB);
      else {
        meetOrWait(sideA, sideB, keyA);
        meetOrWait(sideB, sideA, keyB);
      }
    }
    if (overBudget()) return giveUp(sideA, sideB);
    if (moveA) {
      const read = advance(sideA);
      if (read) await read;
    }
    if (moveB) {
      const read = advance(sideB);
      if (read) await read;
    }
  }
  for (const [side, other] of [[sideA, sideB], [sideB, sideA]] as const) {
    while (side.current) {
      meetOrWait(side, other, side.rows.key());
      if (overBudget()) return giveUp(sideA, sideB);
      const read = advance(side);
      if (read) await read;
    }
  }
  for (const key of sideA.waiting.keys()) findings.missingFrom("B", key, 1);
  for (const key of sideB.waiting.keys()) findings.missingFrom("A", key, 1);
  return true;
}

async function giveUp(a: Side, b: Side): Promise<false> {
  await Promise.all([a.rows.drain(), b.rows.drain()]);
  return false;
}
