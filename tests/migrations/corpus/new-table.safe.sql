-- A fresh table with its indexes, keys and constraints: nothing exists yet, so nothing to report.
CREATE TABLE "Badge" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    CONSTRAINT "Badge_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Badge_code_key" ON "Badge"("code");
CREATE INDEX "Badge_userId_idx" ON "Badge"("userId");
ALTER TABLE "Badge" ADD CONSTRAINT "Badge_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("privyDid") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Badge" ADD COLUMN "seq" BIGSERIAL, ADD COLUMN "note" TEXT NOT NULL;
ALTER TABLE "Badge" ALTER COLUMN "code" SET NOT NULL;
