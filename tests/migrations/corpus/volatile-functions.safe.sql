SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD COLUMN "seenAt" TIMESTAMP(3) DEFAULT now();
ALTER TABLE "Comment" ADD COLUMN "editedAt" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "Comment" ADD COLUMN "meta" JSONB DEFAULT jsonb_build_object('v', 1);
ALTER TABLE "Comment" ADD COLUMN "tag" TEXT DEFAULT lower('NEW');
