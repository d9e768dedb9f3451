// How db:diff-backup shows its report to a person.
import type { DiffReport, TableDiff } from "./diff-backups.ts";

function sideName(report: DiffReport, side: "a" | "b"): string {
  return report[side].summaryPath === null ? "the database" : side.toUpperCase();
}

function tableLines(report: DiffReport, table: TableDiff): string[] {
  const [a, b] = [sideName(report, "a"), sideName(report, "b")];
  const matched = table.key ? `by ${table.key.join(", ")}` : "as whole rows: no primary key";
  const lines = [
    `  ${table.table}: ${table.onlyInA} only in ${a}, ${table.onlyInB} only in ${b}, ${table.changed} changed, ${table.same} the same (matched ${matched})`,
  ];
  if (table.columnsOnlyInA.length > 0) lines.push(`    columns only in ${a}: ${table.columnsOnlyInA.join(", ")}`);
  if (table.columnsOnlyInB.length > 0) lines.push(`    columns only in ${b}: ${table.columnsOnlyInB.join(", ")}`);
  const more = (shown: number, total: number) => (total > shown ? ` (first ${shown} of ${total})` : "");
  if (table.shown.onlyInA.length > 0) lines.push(`    only in ${a}${more(table.shown.onlyInA.length, table.onlyInA)}:`, ...table.shown.onlyInA.map((key) => `      ${key}`));
  if (table.shown.onlyInB.length > 0) lines.push(`    only in ${b}${more(table.shown.onlyInB.length, table.onlyInB)}:`, ...table.shown.onlyInB.map((key) => `      ${key}`));
  if (table.changed > 0) {
    const columns = Object.entries(table.changedColumns).map(([column, rows]) => `${column} (${rows})`).join(", ");
    lines.push(`    changed columns: ${columns}`);
    if (table.shown.changed.length > 0) {
      lines.push(`    changed${more(table.shown.changed.length, table.changed)}:`, ...table.shown.changed.map((row) => `      ${row.key}: ${row.columns.join(", ")}`));
    }
  }
  return lines;
}

export function formatDiffReport(report: DiffReport): string[] {
  const lines = [`A: ${report.a.summaryPath} (${report.a.label})`];
  lines.push(report.b.summaryPath === null ? `the database: ${report.b.label}` : `B: ${report.b.summaryPath} (${report.b.label})`);
  const [a, b] = [sideName(report, "a"), sideName(report, "b")];
  for (const table of report.tablesOnlyInA) lines.push(`  ${table.table}: the whole table (${table.rows} rows) is only in ${a}`);
  for (const table of report.tablesOnlyInB) lines.push(`  ${table.table}: the whole table (${table.rows} rows) is only in ${b}`);
  const differing = report.tables.filter((table) => table.onlyInA + table.onlyInB + table.changed + table.columnsOnlyInA.length + table.columnsOnlyInB.length > 0);
  for (const table of differing) lines.push(...tableLines(report, table));
  const same = report.tables.length - differing.length;
  if (same > 0) lines.push(`  ${same} table${same === 1 ? "" : "s"} identical`);
  if (!report.differs) return [...lines, `no differences: ${a} and ${b} hold the same rows`];
  const lost = report.tables.some((table) => table.onlyInA > 0) || report.tablesOnlyInA.length > 0;
  lines.push(
    lost
      ? `differences found; to put rows only in A back: pnpm run db:restore --from ${report.a.summaryPath} --rows 'TABLE:COLUMN=VALUE' --dry-run (DATABASE.md: Put back deleted rows)`
      : "differences found",
  );
  return lines;
}
