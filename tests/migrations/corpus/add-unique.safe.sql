SET lock_timeout = '5s';
ALTER TABLE "User" ADD CONSTRAINT "User_wallet_key" UNIQUE USING INDEX "User_wallet_idx";
