CREATE FUNCTION purge_tokens() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "Token"; END $$;
SELECT purge_tokens();
CREATE FUNCTION wipe_likes() RETURNS void LANGUAGE sql AS 'TRUNCATE "Like"';
CALL nothing_here();
SELECT wipe_likes();
