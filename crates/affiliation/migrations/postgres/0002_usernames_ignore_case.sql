-- Usernames are unique ignoring case: 'Alice' and 'alice' are one tenant. This refuses
-- to apply while two stored usernames differ only by case, naming them: rename or
-- remove one of each pair, then migrate again. Usernames are ASCII, so lower() folds
-- them fully whatever the collation.
DO $$
DECLARE
    clashes TEXT;
BEGIN
    SELECT string_agg(names, '; ') INTO clashes FROM (
        SELECT string_agg(username, ', ' ORDER BY username) AS names
        FROM users GROUP BY lower(username) HAVING count(*) > 1
    ) AS pairs;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'two usernames differ only by case (%); rename or remove one of each pair, then migrate again', clashes;
    END IF;
END
$$;
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username));
