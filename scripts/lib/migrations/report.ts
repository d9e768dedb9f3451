// How findings are shown: a block per finding for people, GitHub workflow
// annotations for pull-request CI, and a one-line summary.
import path from "node:path";
import type { MigrationAnalysis } from "./analyze.ts";
import { isBlocking, SEVERITY_ORDER, type Finding, type Severity } from "./findings.ts";

const STATEMENT_PREVIEW = 160;

function preview(statement: string): string {
  const oneLine = statement.replace(/\s+/g, " ");
  return oneLine.length > STATEMENT_PREVIEW ? `${oneLine.slice(0, STATEMENT_PREVIEW - 1)}…` : oneLine;
}

/** Paths under the working directory are shown relative to it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

export function formatFinding(finding: Finding): string[] {
  const lines = [
    `${displayPath(finding.file)}:${finding.line}  ${finding.severity}  ${finding.rule}${isBlocking(finding) ? "  (blocks)" : finding.baselined ? "  (baselined)" : ""}`,
    `    ${preview(finding.statement)}`,
    `    ${finding.message}`,
  ];
  if (finding.liveResult) {
    const changed = finding.liveResult.originalSeverity ? ` (was ${finding.liveResult.originalSeverity})` : "";
    lines.push(`    live data: ${finding.liveResult.summary}${changed}`);
  }
  lines.push(`    instead: ${finding.advice}`);
  if (finding.suppressed) {
    const where = finding.suppressed.baseline ? `the baseline file ${displayPath(finding.suppressed.baseline)}` : `the comment on line ${finding.suppressed.line}`;
    lines.push(`    allowed by ${where}${finding.suppressed.reason ? `: ${finding.suppressed.reason}` : ""}`);
  }
  return lines;
}

function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITY_ORDER.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of findings) if (!finding.suppressed && !finding.baselined) counts[finding.severity] += 1;
  return counts;
}

export function summaryLine(analyses: MigrationAnalysis[]): string {
  const findings = analyses.flatMap((analysis) => analysis.findings);
  const counts = countBySeverity(findings);
  const statements = analyses.reduce((sum, analysis) => sum + analysis.statements, 0);
  const suppressed = findings.filter((finding) => finding.suppressed).length;
  const baselined = findings.filter((finding) => finding.baselined && !finding.suppressed).length;
  const unparsable = analyses.filter((analysis) => analysis.error).length;
  const bySeverity = SEVERITY_ORDER.map((severity) => `${counts[severity]} ${severity}`).join(", ");
  return `${analyses.length} migration(s), ${statements} statement(s): ${bySeverity}; ${suppressed} allowed by suppressions` +
    `${baselined ? `; ${baselined} recorded in the baseline` : ""}${unparsable ? `; ${unparsable} file(s) PostgreSQL cannot parse` : ""}`;
}

/** Human-readable lines for a whole analysis, worst findings first within each migration. */
export function formatAnalyses(analyses: MigrationAnalysis[]): string[] {
  const lines: string[] = [];
  for (const analysis of analyses) {
    const findings = [...analysis.findings].sort(
      (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.line - b.line,
    );
    if (findings.length === 0 && analysis.warnings.length === 0 && !analysis.error) continue;
    lines.push(`${analysis.name}:`);
    if (analysis.error) lines.push(`  error: ${analysis.error.message}`);
    for (const finding of findings) lines.push(...formatFinding(finding));
    for (const warning of analysis.warnings) lines.push(`  warning: ${warning}`);
  }
  lines.push(summaryLine(analyses));
  return lines;
}

function escapeProperty(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A").replaceAll(":", "%3A").replaceAll(",", "%2C");
}

function escapeMessage(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/** GitHub Actions workflow commands: blocking findings and unparsable files are errors, the rest warnings, allowed or baselined ones notices. */
export function githubAnnotations(analyses: MigrationAnalysis[]): string[] {
  const annotation = (level: string, file: string, line: number, title: string, text: string) =>
    `::${level} file=${escapeProperty(file)},line=${line},title=${escapeProperty(title)}::${escapeMessage(text)}`;
  return analyses.flatMap((analysis) => [
    ...(analysis.error ? [annotation("error", analysis.file, analysis.error.line, "unparsable SQL", analysis.error.message)] : []),
    ...analysis.findings.map((finding) => {
      const level = finding.suppressed || finding.baselined ? "notice" : isBlocking(finding) ? "error" : "warning";
      const title = `${finding.severity}: ${finding.rule}${finding.suppressed ? " (allowed)" : finding.baselined ? " (baselined)" : ""}`;
      return annotation(level, finding.file, finding.line, title, `${finding.message} Instead: ${finding.advice}`);
    }),
  ]);
}
