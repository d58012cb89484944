-- Usernames are unique ignoring case: 'Alice' and 'alice' are one tenant. This refuses
-- to apply while two stored usernames differ only by case (the named CHECK below fails
-- with its name as the message; the CLI then lists the names): rename or remove one of
-- each pair, then migrate again. Usernames are ASCII, so lower() folds them fully.
CREATE TEMP TABLE username_case_check (
    clashes INTEGER NOT NULL
        CONSTRAINT "two usernames differ only by case; rename or remove one of each pair, then migrate again"
        CHECK (clashes = 0)
);
INSERT INTO username_case_check
    SELECT count(*) FROM (SELECT 1 FROM users GROUP BY lower(username) HAVING count(*) > 1);
DROP TABLE username_case_check;
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username));
