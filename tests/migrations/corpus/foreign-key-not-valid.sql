SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_authorId_fkey2" FOREIGN KEY ("authorId") REFERENCES "User"("privyDid") NOT VALID;
ALTER TABLE "User" ADD CONSTRAINT "User_points_check" CHECK ("totalPoints" >= 0) NOT VALID;
ALTER TABLE "Comment" VALIDATE CONSTRAINT "Comment_authorId_fkey2";
