SET lock_timeout = '5s';
ALTER TABLE "Follow" ADD CONSTRAINT "Follow_pkey" PRIMARY KEY USING INDEX "Follow_followerId_followingId_key";
