// db:lint-migrations: the whole history is replayed in order into one schema
// model (each migration is judged against a database where the earlier ones
// already ran), and the migrations asked for — all of them, or those changed
// since a git ref — are reported, with the baseline file applied.
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { analyzeMigrations, type MigrationAnalysis, type MigrationSource } from "./analyze.ts";
import { applyBaseline, readBaseline, writeBaseline, type Baseline } from "./baseline.ts";
import type { EngineSetting } from "./engine.ts";
import { isBlocking } from "./findings.ts";
import { changedSince } from "./git-changes.ts";
import { collectSources } from "./sources.ts";

export interface LintOptions {
  paths: string[];
  engine: EngineSetting;
  /** Report only migrations added or modified since this git ref. */
  changedFrom?: string;
  /** The baseline file, and whether it must exist (given with --baseline) or is the optional default. */
  baseline?: { file: string; required: boolean };
  /** Record the findings as the new baseline instead of failing on them. */
  writeBaseline?: boolean;
}

export interface LintResult {
  engine: EngineSetting;
  analyses: MigrationAnalysis[];
  /** Unsuppressed, unbaselined data-loss findings. */
  blocking: number;
  /** Files PostgreSQL cannot parse. */
  unparsable: number;
  baselined: number;
  changedFrom?: { ref: string; base: string; migrations: string[] };
  baselineFile?: string;
  wroteBaseline?: { file: string; findings: number };
  /** Things the reader must know: modified applied migrations, baseline problems. */
  notes: string[];
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

export async function lintMigrations(options: LintOptions): Promise<LintResult> {
  const sources = collectSources(options.paths);
  const notes: string[] = [];
  let report = (_source: MigrationSource) => true;
  let changedFrom: LintResult["changedFrom"];
  if (options.changedFrom) {
    const first = options.paths[0] ?? ".";
    const changes = changedSince(options.changedFrom, statSync(first).isDirectory() ? first : path.dirname(first));
    const changed = new Set(sources.filter((source) => changes.files.has(realPath(source.file))).map((source) => source.name));
    report = (source) => changed.has(source.name);
    changedFrom = { ref: options.changedFrom, base: changes.base, migrations: [...changed] };
    for (const source of sources) {
      if (changes.files.get(realPath(source.file)) === "modified") {
        notes.push(`${source.name} was modified since ${options.changedFrom}: a database that already applied it now sees another checksum, and db:safe-migrate refuses to deploy there. Put the change in a new migration (suppressions go in the baseline file, which needs no edit of the migration).`);
      }
    }
    for (const file of changes.removed.filter((file) => path.basename(file) === "migration.sql")) {
      notes.push(`${path.basename(path.dirname(file))} was removed since ${options.changedFrom}: a database that applied it reports it as missing, and db:safe-migrate refuses to deploy there.`);
    }
  }
  const all = await analyzeMigrations(sources, { engine: options.engine.engine, carryCreatedTables: false });
  const broken = all.findIndex((analysis) => analysis.error);
  if (broken !== -1 && broken < all.length - 1) {
    notes.push(`${all[broken]!.name} cannot be parsed: the migrations after it were analysed without its changes to the schema.`);
  }
  let analyses = all.filter((_analysis, i) => report(sources[i]!));

  let baseline: Baseline | null = null;
  let baselined = 0;
  if (options.baseline) {
    baseline = readBaseline(options.baseline.file, options.baseline.required && !options.writeBaseline);
    if (baseline) {
      const outcome = applyBaseline(analyses, baseline, new Set(sources.map((source) => source.name)), !options.writeBaseline);
      analyses = outcome.analyses;
      baselined = outcome.baselined;
      notes.push(...outcome.warnings);
    }
  }
  const wroteBaseline = options.writeBaseline && options.baseline
    ? { file: options.baseline.file, findings: writeBaseline(options.baseline.file, analyses, baseline) }
    : undefined;
  const findings = analyses.flatMap((analysis) => analysis.findings);
  return {
    engine: options.engine,
    analyses,
    blocking: wroteBaseline ? 0 : findings.filter(isBlocking).length,
    unparsable: analyses.filter((analysis) => analysis.error).length,
    baselined,
    ...(changedFrom ? { changedFrom } : {}),
    ...(baseline ? { baselineFile: baseline.file } : {}),
    ...(wroteBaseline ? { wroteBaseline } : {}),
    notes,
  };
}
