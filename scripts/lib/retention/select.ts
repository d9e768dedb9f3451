// Which backup sets a retention policy keeps (restic-style GFS): the newest
// keepLast sets; the newest set of each of the keepDaily most recent days that
// have a backup; likewise per ISO week and per month (UTC). On top of the
// policy, three sets are never pruned: the newest set overall, the newest
// pre-migration set (the one to go back to if a migration went wrong) and the
// newest pre-restore set (what the last restore --mode replace overwrote).
import type { RetentionPolicy } from "./policy.ts";

export interface DatedSet {
  id: string;
  createdAt: Date;
  kind: string;
}

export interface RetentionDecision<T extends DatedSet> {
  set: T;
  keep: boolean;
  /** Why it is kept, e.g. ["last 1", "daily 2026-11-28"]; empty when pruned. */
  reasons: string[];
}

function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function monthKey(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** ISO-8601 week of a UTC date, e.g. "2026-W48" (the week's Thursday decides the year). */
export function isoWeekKey(date: Date): string {
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 4 - (thursday.getUTCDay() || 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

export function decideRetention<T extends DatedSet>(sets: T[], policy: RetentionPolicy): RetentionDecision<T>[] {
  const newestFirst = [...sets].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
  const decisions = newestFirst.map((set) => ({ set, keep: false, reasons: [] as string[] }));

  decisions.slice(0, policy.keepLast).forEach((decision, index) => decision.reasons.push(`last ${index + 1}`));
  const buckets: [string, number, (date: Date) => string][] = [
    ["daily", policy.keepDaily, dayKey],
    ["weekly", policy.keepWeekly, isoWeekKey],
    ["monthly", policy.keepMonthly, monthKey],
  ];
  for (const [label, count, keyOf] of buckets) {
    const seen = new Set<string>();
    for (const decision of decisions) {
      if (seen.size >= count) break;
      const key = keyOf(decision.set.createdAt);
      if (seen.has(key)) continue;
      seen.add(key);
      decision.reasons.push(`${label} ${key}`);
    }
  }
  decisions[0]?.reasons.push("newest set");
  for (const kind of ["pre-migration", "pre-restore"] as const) {
    decisions.find((decision) => decision.set.kind === kind)?.reasons.push(`newest ${kind} set`);
  }
  for (const decision of decisions) decision.keep = decision.reasons.length > 0;
  return decisions;
}
