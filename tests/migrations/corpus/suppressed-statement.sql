SET lock_timeout = '5s';
-- AlterTable
-- safe-migrate: allow drop-column bio moved to the Profile table (#123)
ALTER TABLE "User" DROP COLUMN "bio";

-- Not covered: the suppression above applies to one statement only.
ALTER TABLE "User" DROP COLUMN "image";
