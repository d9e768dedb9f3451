// How Prisma's schema engine hands migration.sql to PostgreSQL, which decides
// what a migration can do. Two settings exist in Prisma 6 (prisma.config.ts):
//
//   engine: "js" (+ adapter)   the Wasm schema engine calls the driver adapter's
//                              executeScript(); @prisma/adapter-pg 6.19.3 splits
//                              the file at EVERY ';' (also in comments, strings and
//                              $$ bodies) and sends the pieces one by one on one
//                              session, each its own transaction.
//   engine: "classic" / none   the native schema engine sends the whole file as one
//                              simple-protocol query (tokio-postgres simple_query),
//                              which PostgreSQL runs as ONE implicit transaction:
//                              CONCURRENTLY, VACUUM and friends fail next to other
//                              statements, an enum value added with ADD VALUE cannot
//                              be used before a COMMIT, a failure rolls it all back.
//
// The config is read as text (importing it loads Prisma's config package and
// the adapter, ~0.4 s): `engine: "<literal>"` decides; a computed value falls
// back to importing the file.
import { readFileSync } from "node:fs";
import { importPrismaConfig } from "../prisma-config.ts";
import { UsageError } from "../errors.ts";

export type SchemaEngine = "adapter-pg" | "native";

export interface EngineSetting {
  engine: SchemaEngine;
  /** Where the setting came from, for reports: `prisma.config.ts: engine "js"`. */
  source: string;
}

export const ENGINE_DESCRIPTION: Record<SchemaEngine, string> = {
  "adapter-pg": "Prisma's Wasm schema engine through @prisma/adapter-pg (splits migration.sql at every ';', no transaction)",
  native: "Prisma's native schema engine (sends migration.sql as one query: one implicit transaction)",
};

/** The engine a prisma.config.ts `engine` value selects (absent: the native engine, as in Prisma 6). */
export function engineFor(value: unknown, source: string): EngineSetting {
  if (value === "js") return { engine: "adapter-pg", source };
  if (value === "classic" || value === undefined) return { engine: "native", source };
  throw new UsageError(`${source}: unknown schema engine ${JSON.stringify(value)}; Prisma 6 accepts "js" or "classic".`);
}

/**
 * The source with comments removed and every string literal replaced by `"#n"`
 * (its text kept in `strings`), so that neither a comment nor a string's
 * content can look like a setting.
 */
function tokens(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  const code = source.replace(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, string: string | undefined) => {
    if (string === undefined) return " ";
    strings.push(string.slice(1, -1));
    return `"#${strings.length - 1}"`;
  });
  return { code, strings };
}

export async function engineOfConfig(configPath: string): Promise<EngineSetting> {
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch {
    throw new UsageError(`${configPath} cannot be read; pass --config with the path of the project's prisma.config.ts.`);
  }
  const { code, strings } = tokens(text);
  const literals = [...code.matchAll(/\bengine\s*:\s*"#(\d+)"/g)].map((match) => strings[Number(match[1])]!);
  const mentioned = /\bengine\s*:/.test(code);
  const source = `${configPath}`;
  if (literals.length === 1 && literals[0] !== undefined) return engineFor(literals[0], `${source}: engine "${literals[0]}"`);
  if (!mentioned) return engineFor(undefined, `${source}: no engine setting (native)`);
  const loaded = await importPrismaConfig(configPath);
  return engineFor(loaded.default?.engine, `${source}: engine ${JSON.stringify(loaded.default?.engine ?? "classic")}`);
}
