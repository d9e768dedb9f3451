SET lock_timeout = '5s';
CREATE TABLE "Scratch" (id int PRIMARY KEY);
DROP TABLE "Scratch";
