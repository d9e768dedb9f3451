// `--jobs N`: every table's COPY (a large table's as several ctid ranges)
// spread over the N workers of copy-workers.ts, largest tables first, while
// each table file is still written in the order a single job writes it. A
// table's first range streams into its file; a later range that runs while
// an earlier one is still being written goes to a spool (spool.ts) and is
// copied into the file once its turn comes. A range's rows are the same
// bytes whichever connection converted them (copy-to-json.ts), and the row
// digests of the ranges add up to the table's.
import type { TableInfo } from "../tables.ts";
import type { CopyTask, CopyWorkerPool, TaskResult } from "./copy-workers.ts";
import { sumRowDigests } from "./row-digest.ts";
import { copyStatement, type BlockRange } from "./snapshot.ts";
import type { Spool, SpoolDirectory } from "./spool.ts";
import type { JsonReceiver } from "./table-json.ts";
import type { ColumnType } from "./row-encoding.ts";

/** A table's rows as they flow into its file: resume() when the receiver has room again. */
export interface TableRows {
  resume(): void;
  done: Promise<TaskResult>;
}

export type StartTableRows = (receiver: JsonReceiver) => TableRows;

export interface TablePlan {
  table: TableInfo;
  columns: ColumnType[];
  /** Heap blocks (pg_relation_size): the order of the work, and where ranges are cut. */
  blocks: number;
}

/** Below this, a table is never split: a range's fixed costs would outweigh its gain. */
const MIN_RANGE_BLOCKS = 8192; // 64 MB of 8 kB blocks

/**
 * The ranges of a table: split when it holds more than its share of the work
 * (total / jobs), so one large table does not leave the other jobs idle.
 */
export function blockRanges(plan: TablePlan, totalBlocks: number, jobs: number, minRangeBlocks = MIN_RANGE_BLOCKS): BlockRange[] | null {
  if (plan.table.partitioned || jobs < 2) return null;
  const share = Math.max(minRangeBlocks, Math.ceil(totalBlocks / jobs));
  if (plan.blocks <= share) return null;
  const count = Math.min(jobs * 2, Math.ceil(plan.blocks / share));
  const size = Math.ceil(plan.blocks / count);
  return Array.from({ length: count }, (_, i) => ({ from: i * size, to: i === count - 1 ? null : (i + 1) * size }));
}

interface Piece {
  task: CopyTask;
  state: "waiting" | "direct" | "spooling" | "spooled";
  spool?: Spool;
  result?: TaskResult;
  finished?: () => void;
}

/** One table file being filled from its pieces, in order. */
class TableAssembly {
  private receiver: JsonReceiver | null = null;
  private receiverReady!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.receiverReady = resolve));
  /** The piece whose bytes may go into the file now. */
  private head = 0;
  /** What the file's reader calls when it wants more: the worker or the spool feeding it. */
  private resumeSource: () => void = () => {};
  private settle!: { resolve(result: TaskResult): void; reject(error: Error): void };
  readonly done = new Promise<TaskResult>((resolve, reject) => (this.settle = { resolve, reject }));

  constructor(
    readonly pieces: Piece[],
    private readonly spools: SpoolDirectory,
  ) {
    this.done.catch(() => {});
  }

  start: StartTableRows = (receiver) => {
    this.receiver = receiver;
    this.receiverReady();
    return { resume: () => this.resumeSource(), done: this.done };
  };

  fail(error: Error): void {
    this.settle.reject(error);
  }

  async run(pool: CopyWorkerPool, worker: number, index: number): Promise<void> {
    await this.opened;
    const piece = this.pieces[index]!;
    const direct = index === this.head;
    let pieceReceiver: JsonReceiver;
    if (direct) {
      piece.state = "direct";
      pieceReceiver = this.receiver!;
    } else {
      piece.state = "spooling";
      const spool = (piece.spool = this.spools.create());
      pieceReceiver = {
        deliver: (batch) => spool.write(batch),
        onRows: this.receiver!.onRows,
      };
    }
    const flow = pool.run(worker, piece.task, pieceReceiver);
    if (direct) this.resumeSource = () => flow.resume();
    else piece.spool!.onDrain(() => flow.resume());
    piece.result = await flow.done;
    if (direct) {
      this.resumeSource = () => {};
      this.head++;
      // In the background: this worker takes its next piece meanwhile.
      this.advance().catch((error: Error) => this.fail(error));
    } else {
      await piece.spool!.finish();
      piece.state = "spooled";
      piece.finished?.();
    }
  }

  /** After the head piece: copies every finished spooled piece that follows into the file, in order. */
  private async advance(): Promise<void> {
    while (this.head < this.pieces.length) {
      const piece = this.pieces[this.head]!;
      if (piece.state === "waiting") return; // it streams into the file itself when it starts
      if (piece.state === "spooling") await new Promise<void>((resolve) => (piece.finished = resolve));
      for await (const chunk of piece.spool!.readBack() as AsyncIterable<Buffer>) {
        if (!this.receiver!.deliver(chunk)) await new Promise<void>((resolve) => (this.resumeSource = resolve));
      }
      this.resumeSource = () => {};
      this.head++;
    }
    const results = this.pieces.map((p) => p.result!);
    this.settle.resolve({ rows: results.reduce((sum, r) => sum + r.rows, 0), rowDigest: sumRowDigests(results.map((r) => r.rowDigest)) });
  }
}

/**
 * Runs every table over the pool. `writeTable(index, start)` is called when
 * the table's first piece is about to run; it writes the file from
 * `start`'s rows and resolves with what the summary records. Resolves with
 * those, in the order of `plans`.
 */
export async function runTablesInParallel<Entry>(
  pool: CopyWorkerPool,
  plans: TablePlan[],
  spools: SpoolDirectory,
  writeTable: (index: number, start: StartTableRows) => Promise<Entry>,
  options: { minRangeBlocks?: number; tidRangeScans: boolean },
): Promise<Entry[]> {
  const totalBlocks = plans.reduce((sum, plan) => sum + plan.blocks, 0);
  const assemblies = plans.map((plan) => {
    const names = plan.columns.map((column) => column.name);
    const ranges = options.tidRangeScans ? blockRanges(plan, totalBlocks, pool.size, options.minRangeBlocks) : null;
    const statements = ranges ? ranges.map((range) => copyStatement(plan.table, names, range)) : [copyStatement(plan.table, names)];
    const pieces = statements.map((statement): Piece => ({ task: { statement, label: plan.table.name, columns: plan.columns }, state: "waiting" }));
    return new TableAssembly(pieces, spools);
  });
  const order = plans.map((_, index) => index).sort((a, b) => plans[b]!.blocks - plans[a]!.blocks);
  const queue = order.flatMap((table) => assemblies[table]!.pieces.map((_, piece) => ({ table, piece })));
  const entries: Promise<Entry>[] = new Array(plans.length);
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    if (failure) return;
    failure = error;
    for (const assembly of assemblies) assembly.fail(error);
    // Pieces still running end at once (their files are being discarded).
    void pool.destroy();
  };
  const work = Array.from({ length: pool.size }, async (_, worker) => {
    for (let next = queue.shift(); next && !failure; next = queue.shift()) {
      const assembly = assemblies[next.table]!;
      entries[next.table] ??= writeTable(next.table, assembly.start);
      entries[next.table]!.catch(failAll);
      await assembly.run(pool, worker, next.piece).catch(failAll);
    }
  });
  await Promise.all(work);
  if (failure) {
    await Promise.allSettled(entries.filter(Boolean));
    throw failure;
  }
  return Promise.all(entries);
}
