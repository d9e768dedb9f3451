// Backup progress for people: on a terminal one live line (the table being
// read, or with --jobs every table being read), rows done of the estimated
// total and rate; elsewhere (CI logs, pipes) one quiet line per finished
// table. A table's line is final when its progress says `finished`.
import type { BackupProgress } from "./create-backup.ts";

export interface ProgressPrinter {
  onProgress(progress: BackupProgress): void;
  /** Ends the live line: tables not finished are dropped (the backup failed or stopped). */
  finish(succeeded: boolean): void;
}

/** Made on first use: a process's first Intl formatter costs ~20 ms (ICU's data), which `--help` need not pay. */
let formatter: Intl.NumberFormat | undefined;
const number = (n: number) => (formatter ??= new Intl.NumberFormat("en-US")).format(n);

function rate(rows: number, startedAt: number): string {
  const seconds = (performance.now() - startedAt) / 1000;
  return seconds > 0 ? `${number(Math.round(rows / seconds))} rows/s` : "";
}

interface Active {
  table: string;
  rows: number;
  totalRows: number;
  startedAt: number;
}

export function createProgressPrinter(options: { tty: boolean; write: (text: string) => void }): ProgressPrinter {
  const active = new Map<string, Active>();
  let liveLine = false;

  const describe = (c: Active, done: boolean): string => {
    const of = !done && c.totalRows > 0 ? ` / ~${number(c.totalRows)}` : "";
    const percent = !done && c.totalRows > 0 ? ` (${Math.min(99, Math.floor((c.rows / c.totalRows) * 100))}%)` : "";
    const seconds = ((performance.now() - c.startedAt) / 1000).toFixed(1);
    return `${c.table}: ${number(c.rows)}${of} rows${percent}, ${seconds} s, ${rate(c.rows, c.startedAt)}`;
  };

  const redraw = () => {
    if (!options.tty || active.size === 0) return;
    options.write(`\r\x1b[K${[...active.values()].map((c) => describe(c, false)).join(" | ")}`);
    liveLine = true;
  };

  return {
    onProgress(progress) {
      const current = active.get(progress.table) ?? { ...progress, startedAt: performance.now() };
      current.rows = progress.rows;
      current.totalRows = progress.totalRows;
      if (progress.finished) {
        active.delete(progress.table);
        options.write(options.tty ? `\r\x1b[K${describe(current, true)}\n` : `${describe(current, true)}\n`);
        liveLine = false;
      } else {
        active.set(progress.table, current);
      }
      redraw();
    },
    finish() {
      if (options.tty && liveLine) options.write("\n");
      active.clear();
      liveLine = false;
    },
  };
}
