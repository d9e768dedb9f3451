// @ts-check
// What dist/build.json records about the build of scripts/*.ts, and the cheap
// check the launcher runs before every command: is that build still the build
// of the sources on disk? Sources are compared by size, mtime and ctime taken
// before the build read them. ctime cannot be set by any tool (cp -p, touch -d,
// tar and git all leave it at the time of the write), so an edit, a git pull or
// a checkout always shows, and a file changed while the build ran shows too.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const BUILD_DIR = "dist";
export const STATE_FILE = path.join(BUILD_DIR, "build.json");
export const STATE_FORMAT = 1;

/**
 * @typedef {[size: number, mtimeMs: number, ctimeMs: number]} Stamp
 * @typedef {object} BuildState
 * @property {number} format
 * @property {string} id the build's directory under dist/ (a hash of its files)
 * @property {string[]} commands the scripts/*.ts names built, sorted
 * @property {Record<string, Stamp | null>} inputs every file the build read, relative to the project root; null:
 *   a file it would have read, absent then
 * @property {Record<string, number>} superseded earlier builds' ids and when they stopped being current (ms)
 */

/** The commands: scripts/<name>.ts files, sorted. @param {string} root */
export function commandNames(root) {
  return readdirSync(path.join(root, "scripts"), { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => entry.name.slice(0, -".ts".length))
    .sort();
}

/** @param {import("node:fs").Stats} stats @returns {Stamp} */
export function stampOf(stats) {
  return [stats.size, stats.mtimeMs, stats.ctimeMs];
}

/** @param {string} root @returns {BuildState | null} */
export function readBuildState(root) {
  try {
    const state = JSON.parse(readFileSync(path.join(root, STATE_FILE), "utf8"));
    return state?.format === STATE_FORMAT ? state : null;
  } catch {
    return null;
  }
}

/**
 * Why the recorded build is not the build of the sources on disk, or null when it is.
 * @param {string} root @param {BuildState | null} state @param {string[]} commands
 */
export function staleReason(root, state, commands) {
  if (!state) return "there is no build yet";
  if (state.commands.join("\n") !== commands.join("\n")) return "commands were added to or removed from scripts/";
  for (const [file, stamp] of Object.entries(state.inputs)) {
    // The recorded paths are relative and normalized already: path.join's normalizing of ~200 of them, before
    // V8 has compiled it, cost several milliseconds of every start.
    const stats = statSync(`${root}/${file}`, { throwIfNoEntry: false });
    if (!stamp) {
      if (stats) return `${file} was added`;
      continue;
    }
    if (!stats) return `${file} was removed`;
    const now = stampOf(stats);
    if (now[0] !== stamp[0] || now[1] !== stamp[1] || now[2] !== stamp[2]) return `${file} changed`;
  }
  if (!statSync(path.join(root, BUILD_DIR, state.id), { throwIfNoEntry: false })) return `${BUILD_DIR}/${state.id}/ was removed`;
  return null;
}

/** @param {string} root @param {BuildState} state @param {string} command */
export function entryPath(root, state, command) {
  return path.join(root, BUILD_DIR, state.id, `${command}.js`);
}
