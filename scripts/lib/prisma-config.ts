// Imports a prisma.config.ts for the paths in it (schema, migrations) without
// Prisma's config library: importing prisma/config costs ~0.36 s of start-up
// (it loads the effect library), and its defineConfig() copies these fields
// through unchanged. esbuild bundles the file with prisma/config replaced by
// two stand-ins; the result is written under dist/prisma-config/, where its
// package imports resolve as the project's do, and imported from there (so
// import.meta inside the config names that copy; this project's does not use it).
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "./config.ts";
import { ConfigError } from "./errors.ts";

export interface PrismaConfigPaths {
  schema?: string;
  migrations?: { path?: string };
}

const OUT_DIR = path.join(PROJECT_ROOT, "dist", "prisma-config");

// The same defineConfig (for the fields read here) and env() as @prisma/config 6.19.
const PRISMA_CONFIG_STAND_IN = `
export const defineConfig = (config) => config;
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(\`Missing required environment variable: \${name}\`);
  return value;
}`;

export async function importPrismaConfig(file: string): Promise<{ default?: PrismaConfigPaths }> {
  const code = await bundle(file);
  const out = path.join(OUT_DIR, `${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  mkdirSync(OUT_DIR, { recursive: true });
  const temporary = `${out}.tmp-${process.pid}`;
  writeFileSync(temporary, code);
  renameSync(temporary, out);
  return (await import(pathToFileURL(out).href)) as { default?: PrismaConfigPaths };
}

async function bundle(file: string): Promise<Uint8Array> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      packages: "external",
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      outfile: "prisma-config.mjs",
      logLevel: "silent",
      plugins: [
        {
          name: "prisma-config-stand-in",
          setup(build) {
            build.onResolve({ filter: /^prisma\/config$/ }, () => ({ path: "prisma/config", namespace: "stand-in" }));
            build.onLoad({ filter: /.*/, namespace: "stand-in" }, () => ({ contents: PRISMA_CONFIG_STAND_IN, loader: "js" }));
          },
        },
      ],
    });
    return result.outputFiles[0]!.contents;
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text;
    throw new ConfigError(`${file} cannot be read: ${first ?? String(error)}`);
  }
}
