-- A function that deletes rows is created but not run by the migration: nothing is deleted now.
CREATE FUNCTION purge_tokens() RETURNS void LANGUAGE sql AS 'DELETE FROM "Token"';
