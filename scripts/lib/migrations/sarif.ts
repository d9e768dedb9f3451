// db:lint-migrations --format sarif: the findings as a SARIF 2.1.0 log, the
// format GitHub code scanning reads (github/codeql-action/upload-sarif), so
// findings show up on the pull request's diff. Paths are relative to the
// working directory (the repository root in CI). Blocking findings are
// errors, other findings warnings, info notes; suppressed and baselined
// findings carry a SARIF suppression, so code scanning lists them as dismissed.
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding, Severity } from "./findings.ts";
import type { LintResult } from "./lint.ts";
import { RULES } from "./rules/catalog.ts";

const PARSE_ERROR_RULE = "unparsable-sql";
const LEVEL: Record<Severity, Result.level> = { "data-loss": "error", "may-fail": "warning", lock: "warning", breaking: "warning", info: "note" };

/** Relative to the working directory (the repository root in CI, which code scanning needs), else a file:// URL. */
function artifact(file: string): { uri: string; uriBaseId?: string } {
  const relative = path.relative(process.cwd(), path.resolve(file));
  if (relative.startsWith("..") || path.isAbsolute(relative)) return { uri: pathToFileURL(path.resolve(file)).href };
  return { uri: relative.split(path.sep).join("/"), uriBaseId: "%SRCROOT%" };
}

function location(file: string, line: number): Result["locations"] {
  return [{ physicalLocation: { artifactLocation: artifact(file), region: { startLine: Math.max(1, line) } } }];
}

function result(finding: Finding): Result {
  const suppression = finding.suppressed
    ? [{ kind: finding.suppressed.baseline ? "external" : "inSource", justification: finding.suppressed.reason || "allowed" } as const]
    : finding.baselined
      ? [{ kind: "external", justification: "recorded in the baseline file" } as const]
      : undefined;
  return {
    ruleId: finding.rule,
    level: LEVEL[finding.severity],
    message: { text: `${finding.severity}: ${finding.message} Instead: ${finding.advice}${finding.liveResult ? ` Live data: ${finding.liveResult.summary}.` : ""}` },
    locations: location(finding.file, finding.line),
    properties: { severity: finding.severity, migration: finding.migration },
    ...(suppression ? { suppressions: suppression } : {}),
  };
}

const DRIVER = "prisma-data-guard db:lint-migrations";

/** The log of a run that could not happen (a bad path, an unknown git ref): no results, the reason as a notification. */
export function sarifFailure(message: string, version: string): Log {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: { driver: { name: DRIVER, version } },
      invocations: [{ executionSuccessful: false, toolExecutionNotifications: [{ level: "error", message: { text: message } }] }],
      results: [],
    }],
  };
}

export function sarifLog(lint: LintResult, version: string): Log {
  const rules: ReportingDescriptor[] = [
    ...Object.entries(RULES).map(([id, rule]) => ({
      id,
      shortDescription: { text: rule.title },
      defaultConfiguration: { level: LEVEL[rule.severity] },
      properties: { severity: rule.severity },
    })),
    { id: PARSE_ERROR_RULE, shortDescription: { text: "SQL PostgreSQL cannot parse" }, defaultConfiguration: { level: "error" } },
  ];
  const results: Result[] = lint.analyses.flatMap((analysis) => [
    ...analysis.findings.map(result),
    ...(analysis.error
      ? [{ ruleId: PARSE_ERROR_RULE, level: "error" as const, message: { text: analysis.error.message }, locations: location(analysis.file, analysis.error.line) }]
      : []),
  ]);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: { driver: { name: DRIVER, version, rules } },
      invocations: [{ executionSuccessful: true }],
      results,
      properties: { engine: lint.engine.engine, engineSource: lint.engine.source },
    }],
  };
}
