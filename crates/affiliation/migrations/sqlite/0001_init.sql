-- Times are Unix milliseconds (UTC); GUIDs are canonical lower-case text.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    username    TEXT    NOT NULL UNIQUE,
    is_admin    INTEGER NOT NULL DEFAULT 0,
    key_hash    BLOB    UNIQUE,
    secret_hash BLOB,
    key_hint    TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE programs (
    program_guid TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    disabled     INTEGER NOT NULL DEFAULT 0,
    definition   TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX groups_by_owner ON groups (owner_id);

CREATE TABLE affiliate_tokens (
    guid         TEXT    PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    group_id     INTEGER REFERENCES groups (id),
    program_guid TEXT    NOT NULL REFERENCES programs (program_guid),
    parameters   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- One token set per (user, program) at user level and per (group, program) at group level.
CREATE UNIQUE INDEX tokens_one_per_user_program
    ON affiliate_tokens (owner_id, program_guid) WHERE group_id IS NULL;
CREATE UNIQUE INDEX tokens_one_per_group_program
    ON affiliate_tokens (group_id, program_guid) WHERE group_id IS NOT NULL;

CREATE TABLE token_sets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    set_guid   TEXT    NOT NULL UNIQUE,
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    programs   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    caller_id    INTEGER NOT NULL,
    subject_id   INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    token_guid   TEXT,
    group_id     INTEGER,
    program_guid TEXT,
    before       TEXT,
    after        TEXT
);
CREATE INDEX audit_by_token ON audit_log (token_guid);
