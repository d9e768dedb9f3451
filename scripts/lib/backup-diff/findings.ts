// What comparing one table found, added up over its partitions or its
// aligned run: counts, the changed columns, and the first keys of each kind
// to show (smallest first, emails and wallets masked).
import { showRecord } from "./row-record.ts";
import type { Layout, RowValues } from "./layout.ts";

export interface ChangedRow {
  key: string;
  columns: string[];
}

/** Keeps the `limit` entries with the smallest sort keys, made only when they are kept. */
export class Smallest<T> {
  private readonly entries: { sort: string; value: T }[] = [];
  constructor(private readonly limit: number) {}

  offer(sort: string, make: () => T): void {
    const entries = this.entries;
    if (this.limit === 0 || (entries.length === this.limit && sort >= entries[entries.length - 1]!.sort)) return;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (entries[middle]!.sort < sort) low = middle + 1;
      else high = middle;
    }
    entries.splice(low, 0, { sort, value: make() });
    if (entries.length > this.limit) entries.pop();
  }

  values(): T[] {
    return this.entries.map((entry) => entry.value);
  }
}

/** What the partitions found, added up. */
export class Findings {
  onlyInA = 0;
  onlyInB = 0;
  changed = 0;
  same = 0;
  readonly changedColumns = new Map<string, number>();
  readonly shownA: Smallest<string>;
  readonly shownB: Smallest<string>;
  readonly shownChanged: Smallest<ChangedRow>;

  constructor(private readonly layout: Layout, private readonly values: RowValues, show: number) {
    this.shownA = new Smallest(show);
    this.shownB = new Smallest(show);
    this.shownChanged = new Smallest(show);
  }

  private show(key: string, copies: number): string {
    const shown = showRecord(key, this.layout.keyColumns);
    return copies > 1 ? `${shown} (${copies} copies)` : shown;
  }

  missingFrom(side: "A" | "B", key: string, copies: number): void {
    if (side === "B") {
      this.onlyInA += copies;
      this.shownA.offer(key, () => this.show(key, copies));
    } else {
      this.onlyInB += copies;
      this.shownB.offer(key, () => this.show(key, copies));
    }
  }

  /** A row both sides hold under `key`: the same, or changed in some columns. */
  pair(key: string, inA: Buffer, inB: Buffer): void {
    if (inA.equals(inB)) this.same++;
    else this.differ(key, inA, inB);
  }

  private differ(key: string, inA: Buffer, inB: Buffer): void {
    const columns = this.values.differingColumns(inA, inB);
    if (columns.length === 0) {
      this.same++;
      return;
    }
    this.changed++;
    for (const column of columns) this.changedColumns.set(column, (this.changedColumns.get(column) ?? 0) + 1);
    this.shownChanged.offer(key, () => ({ key: this.show(key, 1), columns }));
  }
}
