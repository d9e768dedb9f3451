SET lock_timeout = '5s';
ALTER TABLE "Follow" DROP CONSTRAINT "Follow_pkey";
ALTER TABLE "Follow" ADD CONSTRAINT "Follow_pkey" PRIMARY KEY ("followerId", "followingId", "createdAt");
