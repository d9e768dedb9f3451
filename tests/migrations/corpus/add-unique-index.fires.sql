CREATE UNIQUE INDEX "Comment_text_key" ON "Comment"("text");
