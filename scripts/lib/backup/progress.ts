// Backup progress for people: on a terminal one live line per table (rows done
// of the estimated total, rate); elsewhere (CI logs, pipes) one quiet line per
// finished table.
import type { BackupProgress } from "./create-backup.ts";

export interface ProgressPrinter {
  onProgress(progress: BackupProgress): void;
  /** Ends the current table's line: as done when the backup succeeded, dropped when it failed. */
  finish(succeeded: boolean): void;
}

const number = new Intl.NumberFormat("en-US");

function rate(rows: number, startedAt: number): string {
  const seconds = (performance.now() - startedAt) / 1000;
  return seconds > 0 ? `${number.format(Math.round(rows / seconds))} rows/s` : "";
}

export function createProgressPrinter(options: { tty: boolean; write: (text: string) => void }): ProgressPrinter {
  let current: { table: string; rows: number; totalRows: number; startedAt: number } | null = null;

  const describe = (c: NonNullable<typeof current>, done: boolean): string => {
    const of = !done && c.totalRows > 0 ? ` / ~${number.format(c.totalRows)}` : "";
    const percent = !done && c.totalRows > 0 ? ` (${Math.min(99, Math.floor((c.rows / c.totalRows) * 100))}%)` : "";
    const seconds = ((performance.now() - c.startedAt) / 1000).toFixed(1);
    return `${c.table}: ${number.format(c.rows)}${of} rows${percent}, ${seconds} s, ${rate(c.rows, c.startedAt)}`;
  };

  const endTable = (succeeded = true) => {
    if (!current) return;
    if (succeeded) options.write(options.tty ? `\r\x1b[K${describe(current, true)}\n` : `${describe(current, true)}\n`);
    else if (options.tty) options.write("\n");
    current = null;
  };

  return {
    onProgress(progress) {
      if (current && current.table !== progress.table) endTable();
      current ??= { ...progress, startedAt: performance.now() };
      current.rows = progress.rows;
      current.totalRows = progress.totalRows;
      if (options.tty) options.write(`\r\x1b[K${describe(current, false)}`);
    },
    finish: endTable,
  };
}
