// Which PostgreSQL schemas the tools cover when --schemas is not given:
// the Prisma datasource's `schemas = [...]` (multiSchema) when the schema
// file lists them, else the URL's ?schema=, else public.
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./config.ts";
import { schemaFromUrl } from "./tables.ts";

export const PRISMA_SCHEMA_FILE = path.join(PROJECT_ROOT, "prisma", "schema.prisma");

/** The schema file's text with its // comments blanked out (string literals, which may hold "//", are kept). */
function withoutComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === "\\") out += text[++i] ?? "";
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += char;
    }
  }
  return out;
}

/** `schemas = ["public", "auth"]` of the schema file's datasource block, or null when it has none (or no file). */
export function prismaDatasourceSchemas(schemaFile = PRISMA_SCHEMA_FILE): string[] | null {
  let text: string;
  try {
    text = withoutComments(readFileSync(schemaFile, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const block = /\bdatasource\s+\w+\s*\{([^}]*)\}/.exec(text)?.[1];
  const list = block && /\bschemas\s*=\s*\[([^\]]*)\]/.exec(block)?.[1];
  if (!list) return null;
  const schemas = [...list.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => JSON.parse(`"${match[1]}"`) as string);
  return schemas.length > 0 ? schemas : null;
}

/** The default schema list for a database URL; the first is the primary one (where bare table names point). */
export function defaultSchemas(url: string, schemaFile = PRISMA_SCHEMA_FILE): string[] {
  const fromUrl = schemaFromUrl(url);
  const fromPrisma = prismaDatasourceSchemas(schemaFile);
  if (!fromPrisma) return [fromUrl];
  // The URL's schema (Prisma's default, where _prisma_migrations lives) first when the datasource lists it.
  return fromPrisma.includes(fromUrl) ? [fromUrl, ...fromPrisma.filter((schema) => schema !== fromUrl)] : fromPrisma;
}
