-- Alone in its file: no transaction block under either schema engine.
REINDEX TABLE CONCURRENTLY "Like";
