// db:status as a person reads it on a terminal: sections of aligned rows,
// problems coloured (on a TTY only) and each followed by what to do.
import { baseName } from "../repository/location.ts";
import { alignedTable, formatAge, formatBytes, signed, thousands, type Cell, type Painter } from "./format.ts";
import type { StatusReport } from "./status.ts";

function countsSection(report: StatusReport, paint: Painter): string[] {
  const backupLabel = report.latestBackup ? "latest backup" : "latest backup (none)";
  const rows: (Cell | string)[][] = [["table", "now", backupLabel, "change"]];
  for (const row of report.tables) {
    const change: Cell =
      row.change === null
        ? { text: row.now === null ? "gone" : row.backup === null && report.latestBackup ? "new" : "", tone: row.now === null ? "bad" : "dim" }
        : { text: signed(row.change), tone: row.change < 0 ? "bad" : row.change > 0 ? "plain" : "dim" };
    rows.push([row.table, row.now === null ? "-" : thousands(row.now), row.backup === null ? "-" : thousands(row.backup), change]);
  }
  return alignedTable(rows, paint, [1, 2, 3]).map((line) => `  ${line}`);
}

function incompleteLines(report: StatusReport, paint: Painter): string[] {
  return report.incompleteSets.map(
    (set) =>
      `  ${paint("warn", "incomplete set")} ${set.timestamp}: ${set.objects.length} files, ${formatBytes(set.bytes)}, no summary (last written ${set.lastModified}) — ` +
      "a backup that died or is still running; pnpm run db:prune-backups removes it once a day old",
  );
}

function backupSection(report: StatusReport, paint: Painter): string[] {
  const backup = report.latestBackup;
  if (!backup) {
    return [`  ${paint("bad", "no backup set")} in ${report.backupDir} — run: pnpm run db:backup`, ...incompleteLines(report, paint)];
  }
  const stale = report.freshness && !report.freshness.ok;
  const verification: Cell =
    backup.verification.state === "ok"
      ? { text: "verified (every file re-read: size, SHA-256, rows)", tone: "ok" }
      : backup.verification.state === "failed"
        ? { text: `FAILED: ${backup.verification.problems.map((p) => `${p.file}: ${p.problem}`).join("; ")}`, tone: "bad" }
        : { text: `not checked (${backup.verification.reason ?? "--no-verify"})`, tone: backup.verification.reason === "--no-verify" ? "dim" : "warn" };
  const rows: (Cell | string)[][] = [
    ["set", baseName(backup.summaryPath)],
    ["created", backup.createdAt],
    ["age", { text: `${formatAge(backup.ageMs)}${report.freshness ? ` (max ${formatAge(report.freshness.maxAgeMs)})` : ""}`, tone: stale ? "bad" : "plain" }],
    ["kind", backup.kind],
    ["encrypted", backup.encrypted ? "yes" : "no"],
    ["verification", verification],
    ["restore drill", drillCell(report)],
  ];
  const lines = alignedTable(rows, paint).map((line) => `  ${line}`);
  if (stale) lines.push(`  ${paint("bad", "the newest backup is older than --max-age")} — run: pnpm run db:backup`);
  if (report.drillFreshness && !report.drillFreshness.ok) {
    lines.push(`  ${paint("bad", "no restore drill passed within --max-drill-age")} — run: pnpm run db:restore-drill --from latest`);
  }
  return [...lines, ...incompleteLines(report, paint)];
}

function drillCell(report: StatusReport): Cell {
  const { latestSet, newestPassed } = report.drills;
  const checked = Date.parse(report.checkedAt);
  const ago = (at: string) => `${formatAge(checked - Date.parse(at))} ago`;
  const passedEarlier = newestPassed && newestPassed.location !== latestSet?.location ? `; newest passed drill ${ago(newestPassed.finishedAt)} (${baseName(newestPassed.location)})` : "";
  if (!latestSet) return { text: `this set was never drilled (pnpm run db:restore-drill)${passedEarlier}`, tone: "warn" };
  if (latestSet.outcome === "failed") return { text: `FAILED ${ago(latestSet.finishedAt)}: ${latestSet.failure ?? "see the report"} (${baseName(latestSet.location)})${passedEarlier}`, tone: "bad" };
  if (latestSet.authenticity === "no key" || latestSet.authenticity === "other key") {
    const remedy = latestSet.authenticity === "no key" ? "set BACKUP_ENCRYPTION_KEY to check it" : "BACKUP_ENCRYPTION_KEY is not this set's key: set the one it was made with to check it";
    return { text: `passed ${ago(latestSet.finishedAt)} by its report, which is not authenticated: ${remedy} (${baseName(latestSet.location)})${passedEarlier}`, tone: "warn" };
  }
  return { text: `passed ${ago(latestSet.finishedAt)} (${baseName(latestSet.location)})`, tone: "ok" };
}

function migrationsSection(report: StatusReport, paint: Painter): string[] {
  const { applied, pending, failed, unknown, edited } = report.migrations;
  const list = (names: string[]) => (names.length > 0 ? `: ${names.join(", ")}` : "");
  const rows: (Cell | string)[][] = [
    ["applied", `${applied.length}${applied.length > 0 ? ` (latest ${applied.at(-1)})` : ""}`],
    ["pending", { text: `${pending.length}${list(pending)}`, tone: pending.length > 0 ? "warn" : "plain" }],
    ["failed", { text: `${failed.length}${list(failed)}`, tone: failed.length > 0 ? "bad" : "plain" }],
  ];
  if (unknown.length > 0) rows.push(["not in repo", { text: `${unknown.length}${list(unknown)}`, tone: "warn" }]);
  if (edited.length > 0) rows.push(["edited after applied", { text: `${edited.length}${list(edited)}`, tone: "bad" }]);
  const lines = alignedTable(rows, paint).map((line) => `  ${line}`);
  if (failed.length > 0) lines.push(`  a failed migration blocks deploys: see DATABASE.md, "A migration failed midway"`);
  if (edited.length > 0) lines.push(`  an edited applied migration blocks deploys: restore its applied version from git and put the change in a new migration`);
  if (pending.length > 0) lines.push(`  apply pending migrations with: pnpm run db:safe-migrate`);
  return lines;
}

function healthSection(report: StatusReport, paint: Painter): string[] {
  const rows = report.health.map((check): (Cell | string)[] => [
    { text: check.status === "ok" ? "ok" : check.status === "problem" ? "PROBLEM" : "skipped", tone: check.status === "ok" ? "ok" : check.status === "problem" ? "warn" : "dim" },
    check.name,
    { text: check.detail, tone: check.status === "skipped" ? "dim" : "plain" },
  ]);
  return alignedTable(rows, paint).map((line) => `  ${line}`);
}

export function renderStatus(report: StatusReport, paint: Painter): string[] {
  return [
    `database ${report.database} at ${report.checkedAt}`,
    "",
    "Row counts",
    ...countsSection(report, paint),
    "",
    `Latest backup (${report.backupDir})`,
    ...backupSection(report, paint),
    "",
    "Migrations",
    ...migrationsSection(report, paint),
    "",
    "Health checks",
    ...healthSection(report, paint),
  ];
}
