SET lock_timeout = '5s';
REINDEX TABLE "Like";
CLUSTER "Like" USING "Like_pkey";
LOCK TABLE "Like";
REFRESH MATERIALIZED VIEW "LeaderboardView";
ALTER TABLE "Event" DETACH PARTITION "Event_2024";
