SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_authorId_fkey2" FOREIGN KEY ("authorId") REFERENCES "User"("privyDid");
ALTER TABLE "User" ADD CONSTRAINT "User_points_check" CHECK ("totalPoints" >= 0);
