// @ts-check
// Builds every scripts/<name>.ts into dist/<id>/<name>.js with esbuild, so the
// commands start without transpiling TypeScript: our code, the generated
// Prisma client and the pure-JavaScript packages in BUNDLED bundled, shared
// code split into chunks, dynamic import()s kept as lazily loaded chunks, and
// then the chunks a command loads at start folded into its own file. Every
// other package stays in node_modules, where its Wasm, native and data files
// are found. Run by postinstall and `pnpm run build`, and by tools/run.mjs
// whenever the recorded build is not the build of the sources.
//
// Each build is written whole into its own directory named by a hash of its
// files, then made current by renaming dist/build.json into place: a command
// starting meanwhile runs either build, never a mix, and two builds racing
// write identical directories. Superseded builds stay for a day, because a
// running command may still load a lazy chunk from its own build.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { BUILD_DIR, STATE_FILE, STATE_FORMAT, commandNames, readBuildState, stampOf } from "./build-state.mjs";
import { prismaConfigStandIns } from "./prisma-config-stand-ins.mjs";

/** @typedef {import("./build-state.mjs").BuildState} BuildState @typedef {import("./build-state.mjs").Stamp} Stamp */

/** Built too (into prisma.config.js), with Prisma's packages stood in: the migrate commands read its paths from there. */
const PRISMA_CONFIG = "prisma.config.ts";
/**
 * Packages bundled with their own dependencies: pure JavaScript, each loaded by commands before their first work.
 * One bundle loads in a fraction of the time Node takes to resolve, read and compile a package's files one by one
 * (pg alone is ~40 files in 13 packages). Any other package stays external: a new dependency is bundled only once
 * it is listed here, after checking it reads no file beside its code.
 */
const BUNDLED = new Set(["bs58", "commander", "csv-parse", "dotenv", "nanoid", "pg", "pg-connection-string", "pg-copy-streams"]);
/**
 * Files that shape the output without being bundled. The lockfiles stand for the bundled packages' files: an
 * upgrade or a patch rewrites them (pnpm-lock.yaml as committed, node_modules/.pnpm/lock.yaml as installed).
 */
const CONFIG_INPUTS = [
  "package.json",
  "pnpm-lock.yaml",
  "node_modules/.pnpm/lock.yaml",
  "tsconfig.json",
  "tools/build.mjs",
  "tools/prisma-config-stand-ins.mjs",
];
/** A bundled package's code in node_modules: not stamped, the lockfiles in CONFIG_INPUTS stand for it. */
const PACKAGE_FILE = /(^|\/)node_modules\//;
/**
 * Bundled code is CommonJS that require()s Node's modules (and pg its optional pg-native, inside a try): in an ES
 * module esbuild's require() shim needs a real require to hand those to.
 */
const REQUIRE_BANNER = 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';
/** The bundled sources (directories and files), stamped before esbuild reads them. */
const SOURCES = ["scripts", "generated", PRISMA_CONFIG];
/** An input first seen after the build read it: it may have changed meanwhile, so the next start rebuilds once. */
const UNSTAMPED = /** @type {Stamp} */ ([-1, -1, -1]);
/** How esbuild's metafile names a module a plugin loaded from a namespace of its own, e.g. `stand-in:prisma/config`. */
const VIRTUAL_INPUT = /^[a-z][a-z0-9-]*:/;
const KEEP_SUPERSEDED_MS = 24 * 60 * 60 * 1000;
/** A build's directory (its id), or one being written (.tmp-<pid>-<id>). */
const BUILD_DIR_NAME = /^(\.tmp-\d+-)?[0-9a-f]{12}$/;

export class BuildError extends Error {}

/**
 * Builds, makes the build current and returns its state, with esbuild's metafile (what each output imports).
 * @param {string} root @returns {Promise<{ state: BuildState, metafile: esbuild.Metafile }>}
 */
export async function build(root) {
  const commands = commandNames(root);
  const previous = readBuildState(root);
  const stamps = stampSources(root, previous);
  const distDir = path.join(root, BUILD_DIR);
  // Not written there (write: false), but at the depth of dist/<id>/, so the source maps' relative paths hold.
  const stagingDir = path.join(distDir, "staging");
  const bundle = (/** @type {esbuild.BuildOptions} */ entry) =>
    esbuild.build({
      ...entry,
      ...outputOptions(root, stagingDir),
      // The entry's plugins first: the prisma.config stand-ins take their packages before bundleOnly sees them.
      plugins: [...(entry.plugins ?? []), bundleOnly(BUNDLED)],
      banner: { js: REQUIRE_BANNER },
    });
  let commandsBuild;
  try {
    const entryPoints = [...commands.map((name) => `scripts/${name}.ts`), ...workerEntries(root)];
    commandsBuild = await inlineStartChunks(root, stagingDir, await bundle({ entryPoints, splitting: true, chunkNames: "chunk-[hash]" }));
  } catch (error) {
    throw new BuildError(describeFailure(error));
  }
  // A config that does not build must not stop the other commands (a backup needs no Prisma config): without
  // the built copy the migrate commands bundle it when they run, and report its error themselves.
  const configBuild = stamps.has(PRISMA_CONFIG)
    ? await bundle({ entryPoints: [PRISMA_CONFIG], plugins: [prismaConfigStandIns] }).catch(() => undefined)
    : undefined;
  const outputFiles = [...commandsBuild.outputFiles, ...(configBuild?.outputFiles ?? [])];
  /** @type {esbuild.Metafile} */
  const metafile = {
    inputs: { ...commandsBuild.metafile.inputs, ...configBuild?.metafile.inputs },
    outputs: { ...commandsBuild.metafile.outputs, ...configBuild?.metafile.outputs },
  };

  const hash = createHash("sha256");
  for (const file of outputFiles) hash.update(path.basename(file.path)).update(file.contents);
  const id = hash.digest("hex").slice(0, 12);
  writeBuildDir(distDir, id, outputFiles);

  /** @type {Record<string, Stamp | null>} */
  const inputs = {};
  // Plugins' virtual modules (namespace:path) are no files: stamping them would make every start rebuild.
  for (const file of Object.keys(metafile.inputs)) {
    if (!VIRTUAL_INPUT.test(file) && !PACKAGE_FILE.test(file)) inputs[file] = stamps.get(file) ?? UNSTAMPED;
  }
  for (const file of [...CONFIG_INPUTS, PRISMA_CONFIG]) inputs[file] = stamps.get(file) ?? null;
  const now = Date.now();
  /** @type {Record<string, number>} */
  const superseded = {};
  for (const [old, at] of Object.entries(previous?.superseded ?? {})) if (old !== id && now - at < KEEP_SUPERSEDED_MS) superseded[old] = at;
  if (previous && previous.id !== id) superseded[previous.id] = now;
  /** @type {BuildState} */
  const state = { format: STATE_FORMAT, id, commands, inputs, superseded };
  const temporary = path.join(root, `${STATE_FILE}.tmp-${process.pid}`);
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, path.join(root, STATE_FILE));
  removeOldBuilds(distDir, state, now);
  return { state, metafile };
}

/** What both esbuild passes share: ESM for Node 20, linked source maps, the outputs kept in memory with a metafile. */
function outputOptions(/** @type {string} */ root, /** @type {string} */ outdir) {
  return /** @type {const} */ ({
    absWorkingDir: root,
    outdir,
    entryNames: "[name]",
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
}

/**
 * An esbuild plugin: a package our code imports is bundled when it is in `bundled`, else left external; what a
 * bundled package imports in turn is bundled (esbuild leaves Node's own modules external).
 * @param {Set<string>} bundled @returns {esbuild.Plugin}
 */
function bundleOnly(bundled) {
  return {
    name: "bundle-only",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (PACKAGE_FILE.test(args.importer.split(path.sep).join("/"))) return undefined;
        const [scope, name] = args.path.split("/");
        return bundled.has(scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? "")) ? undefined : { external: true };
      });
    },
  };
}

/**
 * A second esbuild pass over the split build: each entry (command or worker) takes in the chunks it imports
 * statically, so a command starts from a few files rather than a dozen or more: every file costs Node's ESM loader
 * a resolution and an asynchronous read, which for a command's chunks took longer than compiling their code
 * (measured). A chunk that a lazily loaded chunk needs too stays a file of its own, imported by both, so every
 * module still has one instance per process. The chunks' source maps are handed to the pass inline, so the
 * entries' maps still name the TypeScript sources.
 * @param {string} root @param {string} stagingDir where the split build's outputs would be
 * @param {esbuild.BuildResult<{ write: false, metafile: true }>} split
 * @returns {Promise<{ outputFiles: esbuild.OutputFile[], metafile: esbuild.Metafile }>}
 */
async function inlineStartChunks(root, stagingDir, split) {
  const { outputs } = split.metafile;
  const staticClosure = (/** @type {string} */ output, seen = new Set()) => {
    if (seen.has(output)) return seen;
    seen.add(output);
    for (const imported of outputs[output]?.imports ?? []) if (imported.kind === "import-statement" && !imported.external) staticClosure(imported.path, seen);
    return seen;
  };
  /** The chunks some import() loads, with all they import: they stay files of their own. */
  const lazyLoaded = new Set();
  for (const output of Object.values(outputs)) {
    for (const imported of output.imports) if (imported.kind === "dynamic-import" && !imported.external) for (const chunk of staticClosure(imported.path)) lazyLoaded.add(chunk);
  }
  const relative = (/** @type {string} */ file) => path.relative(root, file).split(path.sep).join("/");
  const files = new Map(split.outputFiles.map((file) => [relative(file.path), file]));
  // esbuild counts an import()ed chunk as an entry too: only the commands and workers are folded.
  const entries = Object.keys(outputs).filter((output) => outputs[output]?.entryPoint && !lazyLoaded.has(output));
  const loadWithMap = (/** @type {string} */ output) => {
    const code = files.get(output)?.text ?? "";
    const map = files.get(`${output}.map`)?.contents ?? new Uint8Array();
    const inlineMap = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString("base64")}`;
    return code.replace(/\/\/# sourceMappingURL=\S+\s*$/, inlineMap);
  };
  const joined = await esbuild.build({
    ...outputOptions(root, stagingDir),
    entryPoints: entries,
    plugins: [
      {
        name: "inline-start-chunks",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === "entry-point") return { path: path.join(root, args.path) };
            if (!args.path.startsWith("./")) return { path: args.path, external: true };
            const output = relative(path.join(args.importer ? path.dirname(args.importer) : root, args.path));
            return args.kind === "dynamic-import" || lazyLoaded.has(output) ? { path: args.path, external: true } : { path: path.join(root, output) };
          });
          build.onLoad({ filter: /.*/ }, (args) => ({ contents: loadWithMap(relative(args.path)), loader: "js" }));
        },
      },
    ],
  });
  // What the entries import from the chunks that stay, as the split build's metafile names them.
  /** @type {esbuild.Metafile["outputs"]} */
  const joinedOutputs = {};
  for (const [output, meta] of Object.entries(joined.metafile.outputs)) {
    const directory = path.posix.dirname(output);
    const imports = meta.imports.map((imported) =>
      imported.path.startsWith("./") ? { ...imported, path: path.posix.join(directory, imported.path), external: false } : imported,
    );
    joinedOutputs[output] = { ...meta, imports };
  }
  const stays = (/** @type {string} */ output) => lazyLoaded.has(output.replace(/\.map$/, ""));
  const kept = split.outputFiles.filter((file) => stays(relative(file.path)));
  const keptOutputs = Object.fromEntries(Object.entries(outputs).filter(([output]) => stays(output)));
  return { outputFiles: [...kept, ...joined.outputFiles], metafile: { inputs: split.metafile.inputs, outputs: { ...keptOutputs, ...joinedOutputs } } };
}

/**
 * Worker threads' modules (scripts/lib/**\/<name>.worker.ts): built beside the
 * commands as dist/<id>/<name>.worker.js, where the code starting them finds them.
 * @param {string} root @returns {string[]}
 */
function workerEntries(root) {
  return readdirSync(path.join(root, "scripts", "lib"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".worker.ts"))
    .map((file) => path.posix.join("scripts", "lib", file.split(path.sep).join("/")))
    .sort();
}

/** Size, mtime and ctime of every file the build may read, taken before it reads them. */
function stampSources(/** @type {string} */ root, /** @type {BuildState | null} */ previous) {
  /** @type {Map<string, Stamp>} */
  const stamps = new Map();
  const visit = (/** @type {string} */ relative) => {
    const stats = statSync(path.join(root, relative), { throwIfNoEntry: false });
    if (!stats) return;
    if (stats.isDirectory()) {
      for (const name of readdirSync(path.join(root, relative))) visit(path.posix.join(relative, name));
    } else {
      stamps.set(relative, stampOf(stats));
    }
  };
  for (const file of [...SOURCES, ...CONFIG_INPUTS, ...Object.keys(previous?.inputs ?? {})]) if (!stamps.has(file)) visit(file);
  return stamps;
}

/**
 * Writes the build into dist/.tmp-…/ and renames it to dist/<id>/. When that
 * directory exists already it holds these very files (the name is their hash).
 * @param {string} distDir @param {string} id @param {esbuild.OutputFile[]} files
 */
function writeBuildDir(distDir, id, files) {
  const target = path.join(distDir, id);
  if (statSync(target, { throwIfNoEntry: false })) return;
  const temporary = path.join(distDir, `.tmp-${process.pid}-${id}`);
  mkdirSync(temporary, { recursive: true });
  for (const file of files) writeFileSync(path.join(temporary, path.basename(file.path)), file.contents);
  try {
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!statSync(target, { throwIfNoEntry: false })) throw error;
  }
}

/** Removes builds (and unfinished ones) that are neither current, nor superseded less than a day ago, nor younger than a day. */
function removeOldBuilds(/** @type {string} */ distDir, /** @type {BuildState} */ state, /** @type {number} */ now) {
  for (const entry of readdirSync(distDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !BUILD_DIR_NAME.test(entry.name) || entry.name === state.id || entry.name in state.superseded) continue;
    const full = path.join(distDir, entry.name);
    const stats = statSync(full, { throwIfNoEntry: false });
    if (stats && now - stats.mtimeMs >= KEEP_SUPERSEDED_MS) rmSync(full, { recursive: true, force: true });
  }
}

/** esbuild's first error as one line: file:line:column: message. */
function describeFailure(/** @type {unknown} */ error) {
  const errors = /** @type {{ errors?: esbuild.Message[] }} */ (error).errors;
  const first = errors?.[0];
  if (!first) return error instanceof Error ? error.message : String(error);
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : "";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
  return `${where}${first.text}${more}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(import.meta.dirname, "..");
  const started = performance.now();
  try {
    const { state } = await build(root);
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`built ${state.commands.length} commands (scripts/*.ts) into ${BUILD_DIR}/${state.id}/ in ${ms} ms\n`);
  } catch (error) {
    process.stderr.write(`error: building scripts/ failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
