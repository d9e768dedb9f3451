// A realistic Prisma-app migration history, generated: a SaaS app growing
// over ~3 years, written the way `prisma migrate dev` writes migrations
// (-- CreateTable / -- AddForeignKey …) plus the hand edits real histories
// carry (backfills, copies before a drop, data fixes, Prisma's onDelete and
// enum rewrites, implicit many-to-many keys, DO blocks). Every statement that
// really destroys data is recorded in `truth` (migration -> lines), which is
// what db:lint-migrations' blocking findings are scored against (precision =
// blocking findings on those lines / all blocking findings).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface GeneratedHistory {
  migrations: number;
  /** migration name -> lines of the statements that delete or overwrite existing data. */
  truth: Map<string, Set<number>>;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run generates the same history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Step {
  sql: string;
  /** The statement destroys existing data (a right blocking finding). */
  loses?: boolean;
}

const ENTITIES = [
  "Team", "Project", "Task", "Comment", "Attachment", "Invoice", "Subscription", "Notification", "AuditLog", "Tag",
  "ApiKey", "Webhook", "Integration", "Report", "Dashboard", "Widget", "Invite", "Label", "Milestone", "Sprint",
];

function createTable(name: string, extra: string[] = []): Step[] {
  return [
    { sql: `-- CreateTable\nCREATE TABLE "${name}" (\n    "id" TEXT NOT NULL,\n    "name" VARCHAR(120) NOT NULL,\n    "ownerId" TEXT NOT NULL,\n${extra.map((column) => `    ${column},\n`).join("")}    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    "updatedAt" TIMESTAMP(3) NOT NULL,\n\n    CONSTRAINT "${name}_pkey" PRIMARY KEY ("id")\n);` },
    { sql: `-- CreateIndex\nCREATE INDEX "${name}_ownerId_idx" ON "${name}"("ownerId");` },
    { sql: `-- AddForeignKey\nALTER TABLE "${name}" ADD CONSTRAINT "${name}_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;` },
  ];
}

/** The history's migrations, each a list of statements. */
function plan(next: () => number): Array<{ slug: string; steps: Step[] }> {
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const out: Array<{ slug: string; steps: Step[] }> = [];
  const add = (slug: string, steps: Step[]) => out.push({ slug, steps });
  add("init", [
    { sql: `-- CreateEnum\nCREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');` },
    { sql: `-- CreateTable\nCREATE TABLE "User" (\n    "id" TEXT NOT NULL,\n    "email" TEXT NOT NULL,\n    "name" TEXT,\n    "role" "Role" NOT NULL DEFAULT 'USER',\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "User_pkey" PRIMARY KEY ("id")\n);` },
    { sql: `-- CreateTable\nCREATE TABLE "Session" (\n    "id" TEXT NOT NULL,\n    "userId" TEXT NOT NULL,\n    "expires" TIMESTAMP(3) NOT NULL,\n\n    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")\n);` },
    { sql: `-- CreateIndex\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");` },
    { sql: `-- AddForeignKey\nALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;` },
  ]);
  const live: string[] = [];
  let columnNo = 0;
  let enumValue = 0;
  /** Tables that still have their "description" column. */
  const described = new Set<string>();
  for (const entity of ENTITIES) {
    add(`add_${entity.toLowerCase()}`, createTable(entity, entity === "Invoice" ? [`"amount" DECIMAL(10,2) NOT NULL`, `"status" VARCHAR(20) NOT NULL`] : [`"description" VARCHAR(500)`]));
    live.push(entity);
    if (entity !== "Invoice") described.add(entity);
    // Between two new models, the everyday changes of a growing app.
    for (let k = 0; k < 6; k++) {
      const table = pick(live);
      const column = `field${++columnNo}`;
      switch (Math.floor(next() * 14)) {
        case 0:
        case 1:
          add(`${table.toLowerCase()}_${column}`, [{ sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "${column}" TEXT;` }]);
          break;
        case 2:
          add(`${table.toLowerCase()}_${column}_flag`, [{ sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "${column}" BOOLEAN NOT NULL DEFAULT false;` }]);
          break;
        case 3:
          // The backfill Prisma users write by hand: new column, filled, then required.
          add(`${table.toLowerCase()}_${column}_backfill`, [
            { sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "${column}" TIMESTAMP(3);` },
            { sql: `UPDATE "${table}" SET "${column}" = COALESCE("updatedAt", "createdAt");` },
            { sql: `ALTER TABLE "${table}" ALTER COLUMN "${column}" SET NOT NULL;` },
          ]);
          break;
        case 4:
          // Prisma's onDelete change: the same key dropped and re-created.
          add(`${table.toLowerCase()}_owner_cascade`, [
            { sql: `-- DropForeignKey\nALTER TABLE "${table}" DROP CONSTRAINT "${table}_ownerId_fkey";` },
            { sql: `-- AddForeignKey\nALTER TABLE "${table}" ADD CONSTRAINT "${table}_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;` },
          ]);
          break;
        case 5:
          add(`role_value_${++enumValue}`, [{ sql: `-- AlterEnum\nALTER TYPE "Role" ADD VALUE 'ROLE_${enumValue}';` }]);
          break;
        case 6:
          add(`${table.toLowerCase()}_name_longer`, [{ sql: `-- AlterTable\nALTER TABLE "${table}" ALTER COLUMN "name" SET DATA TYPE VARCHAR(255);` }]);
          break;
        case 7:
          add(`${table.toLowerCase()}_created_idx`, [{ sql: `-- CreateIndex\nCREATE INDEX "${table}_createdAt_idx" ON "${table}"("createdAt");` }]);
          break;
        case 8:
          // A column added and removed again in the same migration (an abandoned approach).
          add(`${table.toLowerCase()}_${column}_tmp`, [
            { sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "${column}" TEXT;` },
            { sql: `UPDATE "${table}" SET "${column}" = "name";` },
            { sql: `-- AlterTable\nALTER TABLE "${table}" DROP COLUMN "${column}";` },
          ]);
          break;
        case 9:
          if (!described.delete(table)) break;
          // A rename done as Prisma writes it: drop and add, and the old values are lost.
          add(`${table.toLowerCase()}_rename_description`, [
            { sql: `-- AlterTable\nALTER TABLE "${table}" DROP COLUMN "description",\nADD COLUMN     "summary" VARCHAR(500);`, loses: true },
          ]);
          break;
        case 10:
          if (!described.delete(table)) break;
          // The same rename done right by hand: copy first, then drop.
          add(`${table.toLowerCase()}_description_to_summary`, [
            { sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "summary" VARCHAR(500);` },
            { sql: `UPDATE "${table}" SET "summary" = "description";` },
            { sql: `-- AlterTable\nALTER TABLE "${table}" DROP COLUMN "description";` },
          ]);
          break;
        case 11:
          add(`cleanup_sessions_${columnNo}`, [{ sql: `-- Remove expired sessions\nDELETE FROM "Session" WHERE "expires" < now() - interval '30 days';` }]);
          break;
        case 12:
          add(`${table.toLowerCase()}_notes_${column}`, [{ sql: `-- Note: filled by the app after deploy; see the runbook\nALTER TABLE "${table}" ADD COLUMN     "${column}" JSONB NOT NULL DEFAULT '{}';` }]);
          break;
        default:
          add(`${table.toLowerCase()}_${column}_unique`, [
            { sql: `-- AlterTable\nALTER TABLE "${table}" ADD COLUMN     "${column}" TEXT;` },
            { sql: `-- CreateIndex\nCREATE UNIQUE INDEX "${table}_${column}_key" ON "${table}"("${column}");` },
          ]);
      }
    }
  }
  // Later life: features removed, enums trimmed, Prisma 5's implicit many-to-many keys, data fixes.
  add("tags_on_projects", [
    { sql: `-- CreateTable\nCREATE TABLE "_ProjectToTag" (\n    "A" TEXT NOT NULL,\n    "B" TEXT NOT NULL\n);` },
    { sql: `-- CreateIndex\nCREATE UNIQUE INDEX "_ProjectToTag_AB_unique" ON "_ProjectToTag"("A", "B");` },
    { sql: `-- CreateIndex\nCREATE INDEX "_ProjectToTag_B_index" ON "_ProjectToTag"("B");` },
  ]);
  add("prisma5_implicit_m2m_keys", [
    { sql: `-- AlterTable\nALTER TABLE "_ProjectToTag" ADD CONSTRAINT "_ProjectToTag_AB_pkey" PRIMARY KEY ("A", "B");` },
    { sql: `-- DropIndex\nDROP INDEX "_ProjectToTag_AB_unique";` },
  ]);
  add("drop_widgets", [
    { sql: `-- DropForeignKey\nALTER TABLE "Widget" DROP CONSTRAINT "Widget_ownerId_fkey";` },
    { sql: `-- DropTable\nDROP TABLE "Widget";`, loses: true },
  ]);
  add("invoice_status_enum", [
    { sql: `-- CreateEnum\nCREATE TYPE "InvoiceStatus" AS ENUM ('DRAFT', 'OPEN', 'PAID', 'VOID');` },
    { sql: `-- AlterTable\nALTER TABLE "Invoice" ADD COLUMN     "state" "InvoiceStatus" NOT NULL DEFAULT 'DRAFT';` },
    { sql: `UPDATE "Invoice" SET "state" = "status"::"InvoiceStatus";` },
    { sql: `-- AlterTable\nALTER TABLE "Invoice" DROP COLUMN "status";` },
  ]);
  add("invoice_status_trim", [
    { sql: `-- AlterEnum\nBEGIN;` },
    { sql: `CREATE TYPE "InvoiceStatus_new" AS ENUM ('DRAFT', 'OPEN', 'PAID');` },
    { sql: `ALTER TABLE "Invoice" ALTER COLUMN "state" DROP DEFAULT;` },
    { sql: `ALTER TABLE "Invoice" ALTER COLUMN "state" TYPE "InvoiceStatus_new" USING ("state"::text::"InvoiceStatus_new");` },
    { sql: `ALTER TYPE "InvoiceStatus" RENAME TO "InvoiceStatus_old";` },
    { sql: `ALTER TYPE "InvoiceStatus_new" RENAME TO "InvoiceStatus";` },
    { sql: `DROP TYPE "public"."InvoiceStatus_old";` },
    { sql: `ALTER TABLE "Invoice" ALTER COLUMN "state" SET DEFAULT 'DRAFT';` },
    { sql: `COMMIT;` },
  ]);
  add("invoice_amount_precision", [{ sql: `-- AlterTable\nALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE DECIMAL(12,2);` }]);
  add("drop_dashboards", [
    { sql: `-- DropForeignKey\nALTER TABLE "Dashboard" DROP CONSTRAINT "Dashboard_ownerId_fkey";` },
    { sql: `-- DropTable\nDROP TABLE "Dashboard";`, loses: true },
  ]);
  add("audit_log_reset", [{ sql: `-- The audit log restarts with the new format\nDELETE FROM "AuditLog";`, loses: true }]);
  add("notifications_mood", [
    { sql: `-- CreateEnum\nCREATE TYPE "Priority" AS ENUM ('LOW', 'HIGH');` },
    { sql: `-- AlterTable\nALTER TABLE "Notification" ADD COLUMN     "priority" "Priority";` },
  ]);
  add("notifications_drop_priority", [
    { sql: `-- AlterTable\nALTER TABLE "Notification" DROP COLUMN "priority";`, loses: true },
    { sql: `-- DropEnum\nDROP TYPE "Priority";` },
  ]);
  add("api_key_expiry_backfill", [
    { sql: `-- AlterTable\nALTER TABLE "ApiKey" ADD COLUMN     "expiresAt" TIMESTAMP(3);` },
    { sql: `UPDATE "ApiKey" SET "expiresAt" = "createdAt" + interval '1 year';` },
  ]);
  add("remove_report_owner", [
    { sql: `-- DropForeignKey\nALTER TABLE "Report" DROP CONSTRAINT "Report_ownerId_fkey";` },
    { sql: `-- DropIndex\nDROP INDEX "Report_ownerId_idx";` },
    { sql: `-- AlterTable\nALTER TABLE "Report" DROP COLUMN "ownerId";`, loses: true },
  ]);
  add("webhook_secret_reset", [{ sql: `-- Rotate every webhook secret (old ones leaked)\nUPDATE "Webhook" SET "name" = 'rotated-' || "id";`, loses: true }]);
  add("idempotent_enum", [{ sql: `DO $$\nBEGIN\n  CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO');\nEXCEPTION\n  WHEN duplicate_object THEN NULL;\nEND $$;` }]);
  add("invite_cleanup", [{ sql: `-- Invites older than a year were never accepted\nDELETE FROM "Invite" WHERE "createdAt" < now() - interval '1 year';` }]);
  add("empty", [{ sql: `-- This is an empty migration.` }]);
  return out;
}

export function writePrismaAppHistory(dir: string, seed = 15): GeneratedHistory {
  const truth = new Map<string, Set<number>>();
  const migrations = plan(random(seed));
  migrations.forEach((migration, i) => {
    const day = new Date(Date.UTC(2023, 0, 1) + i * 6 * 86_400_000);
    const stamp = `${day.toISOString().slice(0, 10).replaceAll("-", "")}${String(100000 + i).slice(-6)}`;
    const name = `${stamp}_${migration.slug}`;
    let line = 1;
    const parts: string[] = [];
    for (const step of migration.steps) {
      const statementLine = line + step.sql.split("\n").findIndex((text) => !text.startsWith("--"));
      if (step.loses) {
        if (!truth.has(name)) truth.set(name, new Set());
        truth.get(name)!.add(statementLine);
      }
      parts.push(step.sql);
      line += step.sql.split("\n").length + 1;
    }
    mkdirSync(path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, "migration.sql"), `${parts.join("\n\n")}\n`);
  });
  return { migrations: migrations.length, truth };
}
