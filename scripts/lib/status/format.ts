// Terminal output for reports: aligned columns, colour only on a TTY (and
// never with NO_COLOR), durations a person reads at a glance.
import { styleText } from "node:util";

export type Tone = "ok" | "warn" | "bad" | "dim" | "plain";

const STYLE: Record<Exclude<Tone, "plain">, Parameters<typeof styleText>[0]> = {
  ok: "green",
  warn: "yellow",
  bad: "red",
  dim: "gray",
};

export interface Painter {
  (tone: Tone, text: string): string;
}

export function painterFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Painter {
  const colour = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
  // validateStream: false because the TTY/NO_COLOR decision is made above, for the stream actually written to.
  return (tone, text) => (colour && tone !== "plain" ? styleText(STYLE[tone], text, { validateStream: false }) : text);
}

export interface Cell {
  text: string;
  tone?: Tone;
}

/** Rows of cells as aligned lines; columns listed in `right` are right-aligned (numbers). */
export function alignedTable(rows: (Cell | string)[][], paint: Painter, right: number[] = []): string[] {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === "string" ? { text: cell } : cell)));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.text.length)));
  return cells.map((row) =>
    row
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        const padded = right.includes(index) ? cell.text.padStart(width) : cell.text.padEnd(width);
        return paint(cell.tone ?? "plain", padded);
      })
      .join("  ")
      .trimEnd(),
  );
}

/** 93784000 ms -> "1d 2h 3m"; under a minute -> "42s". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return [days && `${days}d`, hours && `${hours}h`, `${minutes}m`].filter(Boolean).join(" ");
}

/** "26h", "90m", "2d", "3600s" -> milliseconds, or null when not understood. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"];
  const value = Number(match[1]) * unit;
  return value > 0 ? value : null;
}

/** +12 / -3 / 0, with thousands separators. */
export function signed(value: number): string {
  return `${value > 0 ? "+" : value < 0 ? "-" : ""}${Math.abs(value).toLocaleString("en-US")}`;
}

export function thousands(value: number): string {
  return value.toLocaleString("en-US");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
