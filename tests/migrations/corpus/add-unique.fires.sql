SET lock_timeout = '5s';
ALTER TABLE "User" ADD CONSTRAINT "User_solanaWalletAddress_key" UNIQUE ("solanaWalletAddress");
