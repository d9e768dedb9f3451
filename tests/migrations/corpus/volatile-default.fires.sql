SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD COLUMN "publicId" UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE "Like" ADD COLUMN "seq" BIGSERIAL;
