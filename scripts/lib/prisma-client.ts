// The app's Prisma client over @prisma/adapter-pg (no native query engine),
// connected with the same discrete fields as the pg pool. Both are loaded on
// first use (~0.1 s of start-up): only a few commands need them, and those
// after their first query.
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { DatabaseTarget } from "./config.ts";
import { poolConfigFromUrl } from "./db.ts";

async function loadPrisma() {
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([import("../../generated/prisma/client.ts"), import("@prisma/adapter-pg")]);
  return { PrismaClient, PrismaPg };
}

export async function createPrisma(target: DatabaseTarget): Promise<PrismaClient> {
  const { PrismaClient, PrismaPg } = await loadPrisma();
  return new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(target.url)) });
}

/**
 * Prisma model name for each table the schema maps (table = @@map name or the
 * model name). Read from the generated client's runtime data model, which is
 * available without connecting.
 */
export async function prismaModelsByTable(): Promise<Map<string, string>> {
  const { PrismaClient, PrismaPg } = await loadPrisma();
  const client = new PrismaClient({ adapter: new PrismaPg({}) });
  // _runtimeDataModel is the generated client's own description of the schema; the public types do not expose it.
  const { models } = (client as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel;
  return new Map(Object.entries(models).map(([model, { dbName }]) => [dbName ?? model, model]));
}

interface RuntimeDataModel {
  models: Record<string, { dbName: string | null }>;
}
