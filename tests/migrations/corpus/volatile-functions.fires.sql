SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD COLUMN "ref" TEXT DEFAULT uuid();
ALTER TABLE "Comment" ADD COLUMN "code" TEXT DEFAULT app_generate_code();
ALTER TABLE "Comment" ADD COLUMN "key" UUID DEFAULT uuid_generate_v4();
