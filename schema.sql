-- The ledger's database: the one description of it. `ledger init` applies this file
-- statement by statement inside one transaction.
--
-- 1. The journal is the truth: an append-only, SHA-256 hash-chained list of entries.
-- 2. Every other table is a projection of the journal, written by
--    `ledger.projections.Projector` inside the transaction that appends the entry,
--    so that a ledger rebuilt by replaying the journal is identical. Each projection
--    row carries the `seq` of the entry it came from.
-- 3. No row of any table is ever updated or deleted: triggers refuse it, and a
--    BEFORE INSERT trigger on every unique key stops INSERT OR REPLACE, which
--    would otherwise delete the clashing row without firing DELETE triggers.
--    They refuse with RAISE(FAIL): a BEFORE trigger refuses a statement's first bad row
--    before it is written, so FAIL loses nothing, whereas ABORT makes SQLite keep a
--    statement journal for every row inserted, much of an import's time in SQLite.
-- 4. Views give the published shape: attributions with status and canonical names,
--    claims with their counts over current attributions.

PRAGMA user_version = 3;  -- 3: claim keys UNIQUE by an index; 2: hashes stored as digests; 1: as hex

---------------------------------------------------------------------------------
-- 1. The journal
---------------------------------------------------------------------------------

-- The hashes are stored as 32-byte digests, half the bytes of hex text in the table and in
-- their UNIQUE indexes. prev_hash and hash are the same hashes as lower-case hex, computed
-- when read (VIRTUAL: they take no space), so the chain is re-checked with sqlite3 and
-- sha256sum as before; declared first, `SELECT *` starts seq, payload, prev_hash, hash.
-- A raw INSERT writes seq, payload, prev_digest and digest.
CREATE TABLE journal (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    prev_hash TEXT GENERATED ALWAYS AS (lower(hex(prev_digest))) VIRTUAL,
    hash TEXT GENERATED ALWAYS AS (lower(hex(digest))) VIRTUAL,
    prev_digest BLOB NOT NULL CHECK (typeof(prev_digest) = 'blob' AND length(prev_digest) = 32),
    digest BLOB NOT NULL CHECK (typeof(digest) = 'blob' AND length(digest) = 32)
);
-- prev_digest and digest are each UNIQUE, so the chain cannot fork. They are indexes of their
-- own rather than constraints in the table, so that an import into an empty journal can
-- drop them with the trigger below and make them again, sorted at once, before it commits
-- (`database.made_at_the_end`).
CREATE UNIQUE INDEX journal_prev_digest ON journal(prev_digest);
CREATE UNIQUE INDEX journal_digest ON journal(digest);

-- With seq and prev_digest extending the newest entry, only `digest` could clash with an
-- existing row (which INSERT OR REPLACE would then delete). Entry 1 extends 32 zero bytes,
-- whose hex is the 64 zeros of CONTRACT.md.
CREATE TRIGGER journal_extends_chain BEFORE INSERT ON journal
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM journal)
  OR NEW.prev_digest IS NOT coalesce((SELECT digest FROM journal ORDER BY seq DESC LIMIT 1), zeroblob(32))
  OR EXISTS (SELECT 1 FROM journal WHERE digest = NEW.digest)
BEGIN
    SELECT RAISE(FAIL, 'journal is append-only: a new entry must extend the newest entry');
END;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(FAIL, 'journal is append-only: entries cannot be updated'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(FAIL, 'journal is append-only: entries cannot be deleted'); END;

---------------------------------------------------------------------------------
-- 2. Projections of the journal
---------------------------------------------------------------------------------

-- Every name (outlet, speaker, via, alias or fact-checker) as written.
CREATE TABLE names (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL REFERENCES journal(seq)
);

-- One row per claim; `key` is ledger_claim_key(text), `text` the first wording recorded.
CREATE TABLE claim_texts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    text TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq)
);
-- Each key is UNIQUE. An index of its own rather than a constraint in the table, so that an
-- import into an empty journal can make it at its end (`database.made_at_the_end`).
CREATE UNIQUE INDEX claim_texts_key ON claim_texts(key);

-- One row per attribution, from an `attribution` or a `correction` entry; its id is `seq`.
-- What is only displayed (url, quote, note) stays in the journal and is read from there.
CREATE TABLE attribution_records (
    seq INTEGER PRIMARY KEY REFERENCES journal(seq),
    claim_id INTEGER NOT NULL REFERENCES claim_texts(id),
    outlet_id INTEGER NOT NULL REFERENCES names(id),
    speaker_id INTEGER REFERENCES names(id),
    via_id INTEGER REFERENCES names(id),
    date TEXT NOT NULL,
    -- Spelled out rather than `stance IN (...)`, which SQLite 3.40 builds into a table for every row.
    stance TEXT NOT NULL CHECK (stance = 'asserts' OR stance = 'reports' OR stance = 'questions' OR stance = 'disputes')
);
CREATE INDEX attribution_records_claim ON attribution_records(claim_id);
-- A stance filter (a click on a stance facet) narrows the rows before names are resolved,
-- in id order, as the attributions page shows them.
CREATE INDEX attribution_records_stance ON attribution_records(stance);
-- An outlet filter, with or without a stance, is narrowed by outlet id on this index alone
-- (the Datasette plugin's `filters_from_request`).
CREATE INDEX attribution_records_outlet ON attribution_records(outlet_id, stance);

-- A retraction withdraws an attribution; a correction supersedes one with the
-- attribution recorded under the correction's own seq.
CREATE TABLE retractions (
    seq INTEGER PRIMARY KEY REFERENCES journal(seq),
    target INTEGER NOT NULL UNIQUE REFERENCES attribution_records(seq),
    reason TEXT NOT NULL
);
CREATE TABLE corrections (
    seq INTEGER PRIMARY KEY REFERENCES attribution_records(seq),
    target INTEGER NOT NULL UNIQUE REFERENCES attribution_records(seq),
    reason TEXT NOT NULL
);

-- `name_id` is another name of `of_id`; the newest alias of a name replaces older ones.
CREATE TABLE name_aliases (
    seq INTEGER PRIMARY KEY REFERENCES journal(seq),
    name_id INTEGER NOT NULL REFERENCES names(id),
    of_id INTEGER NOT NULL REFERENCES names(id),
    CHECK (name_id <> of_id)
);
CREATE INDEX name_aliases_name ON name_aliases(name_id, seq);
-- The names aliased to a name: what a new alias of it re-resolves, and whether a chain can reach it.
CREATE INDEX name_aliases_of ON name_aliases(of_id);

-- What the aliases make of names. The names joined by aliases make a tree whose root (a name
-- with no alias) is the canonical name of every name in it. Each tree of more than one name
-- is a group: a name's group is its newest row in name_groups (no row: the name is alone),
-- and a group's canonical name and size are its newest row in group_canonicals. An alias
-- that joins two trees moves the names of the smaller into the group of the larger, and an
-- alias that puts a whole tree under a new root writes one row for the group: recording n
-- aliases writes rows in the order of n log n, whatever their order. Reading a name's
-- canonical name is two index seeks, with no chain to follow.
CREATE TABLE name_groups (
    seq INTEGER NOT NULL REFERENCES name_aliases(seq),
    name_id INTEGER NOT NULL REFERENCES names(id),
    group_id INTEGER NOT NULL,  -- the seq of the alias that made the group
    PRIMARY KEY (name_id, seq)
);
-- The names in a group: what an alias that joins it to a larger one moves.
CREATE INDEX name_groups_group ON name_groups(group_id);
CREATE TABLE group_canonicals (
    seq INTEGER NOT NULL REFERENCES name_aliases(seq),
    group_id INTEGER NOT NULL,
    canonical_id INTEGER NOT NULL REFERENCES names(id),
    size INTEGER NOT NULL CHECK (size >= 1),  -- a tree cut down to its root alone keeps its group
    PRIMARY KEY (group_id, seq)
);
-- The groups whose canonical name is a name: what a search for that name finds.
CREATE INDEX group_canonicals_canonical ON group_canonicals(canonical_id);

CREATE TABLE fact_checkers (
    seq INTEGER PRIMARY KEY REFERENCES journal(seq),
    name_id INTEGER NOT NULL REFERENCES names(id)
);

-- One row per document entry; its text stays in the journal and is read from there
-- (the document_texts view).
CREATE TABLE document_records (
    seq INTEGER PRIMARY KEY REFERENCES journal(seq),
    sha256 TEXT NOT NULL UNIQUE,
    outlet_id INTEGER REFERENCES names(id),
    url TEXT,
    title TEXT,
    date TEXT,
    language TEXT,
    translation_of TEXT,
    translated_by TEXT,
    source_sha256 TEXT,
    length INTEGER NOT NULL  -- code points of the text
);

-- The document an attribution names, and where its quote is in it: the W3C Web Annotation
-- selectors of the passage (quote_start and quote_end, code points; exact, prefix, suffix),
-- none for an attribution without a quote.
CREATE TABLE anchors (
    seq INTEGER PRIMARY KEY REFERENCES attribution_records(seq),
    document_id INTEGER NOT NULL REFERENCES document_records(seq),
    quote_start INTEGER,
    quote_end INTEGER,
    exact TEXT,
    prefix TEXT,
    suffix TEXT,
    CHECK ((quote_start IS NULL) = (quote_end IS NULL) AND (quote_start IS NULL OR quote_start < quote_end))
);
-- A document's anchors in the order of its text.
CREATE INDEX anchors_document ON anchors(document_id, quote_start);

-- Full-text search. Contentless: the text lives in the journal and projections;
-- rowids are attribution ids and claim ids respectively.
CREATE VIRTUAL TABLE attribution_search USING fts5(claim, quote, content='');
CREATE VIRTUAL TABLE claim_search USING fts5(text, content='');
-- Each merges its segments eight at a time rather than four: a large import rewrites its
-- terms fewer times, and a search reads no more (docs/benchmarks.md).
INSERT INTO attribution_search (attribution_search, rank) VALUES ('automerge', 8);
INSERT INTO claim_search (claim_search, rank) VALUES ('automerge', 8);

-- Only a current attribution can be retracted or corrected, and only once.
CREATE TRIGGER retractions_target_current BEFORE INSERT ON retractions
WHEN NEW.target NOT IN (SELECT seq FROM attribution_records)
  OR NEW.target IN (SELECT target FROM retractions)
  OR NEW.target IN (SELECT target FROM corrections)
BEGIN SELECT RAISE(FAIL, 'only a current attribution can be retracted'); END;
CREATE TRIGGER corrections_target_current BEFORE INSERT ON corrections
WHEN NEW.target NOT IN (SELECT seq FROM attribution_records)
  OR NEW.target IN (SELECT target FROM retractions)
  OR NEW.target IN (SELECT target FROM corrections)
BEGIN SELECT RAISE(FAIL, 'only a current attribution can be corrected'); END;

-- An alias may not close a cycle: the chain of current aliases from `of` must not reach
-- `name`. Only a name that some alias points at can be reached, so the chain is walked
-- (one index seek a step, each name once) only for such a name.
CREATE TRIGGER name_aliases_no_cycle BEFORE INSERT ON name_aliases
WHEN CASE WHEN NOT EXISTS (SELECT 1 FROM name_aliases WHERE of_id = NEW.name_id) THEN 0
     ELSE NEW.name_id IN (
         WITH RECURSIVE chain(id) AS (
             SELECT NEW.of_id
             UNION
             SELECT (SELECT of_id FROM name_aliases WHERE name_id = chain.id ORDER BY seq DESC LIMIT 1)
             FROM chain WHERE chain.id IS NOT NULL)
         SELECT id FROM chain WHERE id IS NOT NULL)
     END
BEGIN SELECT RAISE(FAIL, 'an alias may not make a cycle of names'); END;

---------------------------------------------------------------------------------
-- 3. Append-only: no update, no delete, no INSERT OR REPLACE on any projection
---------------------------------------------------------------------------------

CREATE TRIGGER names_no_update BEFORE UPDATE ON names
BEGIN SELECT RAISE(FAIL, 'names is append-only: rows cannot be updated'); END;
CREATE TRIGGER names_no_delete BEFORE DELETE ON names
BEGIN SELECT RAISE(FAIL, 'names is append-only: rows cannot be deleted'); END;
CREATE TRIGGER names_no_replace BEFORE INSERT ON names
WHEN EXISTS (SELECT 1 FROM names WHERE id = NEW.id OR name = NEW.name)
BEGIN SELECT RAISE(FAIL, 'names is append-only: rows cannot be replaced'); END;

CREATE TRIGGER claim_texts_no_update BEFORE UPDATE ON claim_texts
BEGIN SELECT RAISE(FAIL, 'claim_texts is append-only: rows cannot be updated'); END;
CREATE TRIGGER claim_texts_no_delete BEFORE DELETE ON claim_texts
BEGIN SELECT RAISE(FAIL, 'claim_texts is append-only: rows cannot be deleted'); END;
CREATE TRIGGER claim_texts_no_replace BEFORE INSERT ON claim_texts
WHEN EXISTS (SELECT 1 FROM claim_texts WHERE id = NEW.id OR key = NEW.key)
BEGIN SELECT RAISE(FAIL, 'claim_texts is append-only: rows cannot be replaced'); END;

CREATE TRIGGER attribution_records_no_update BEFORE UPDATE ON attribution_records
BEGIN SELECT RAISE(FAIL, 'attribution_records is append-only: rows cannot be updated'); END;
CREATE TRIGGER attribution_records_no_delete BEFORE DELETE ON attribution_records
BEGIN SELECT RAISE(FAIL, 'attribution_records is append-only: rows cannot be deleted'); END;
CREATE TRIGGER attribution_records_no_replace BEFORE INSERT ON attribution_records
WHEN EXISTS (SELECT 1 FROM attribution_records WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'attribution_records is append-only: rows cannot be replaced'); END;

CREATE TRIGGER retractions_no_update BEFORE UPDATE ON retractions
BEGIN SELECT RAISE(FAIL, 'retractions is append-only: rows cannot be updated'); END;
CREATE TRIGGER retractions_no_delete BEFORE DELETE ON retractions
BEGIN SELECT RAISE(FAIL, 'retractions is append-only: rows cannot be deleted'); END;
CREATE TRIGGER retractions_no_replace BEFORE INSERT ON retractions
WHEN EXISTS (SELECT 1 FROM retractions WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'retractions is append-only: rows cannot be replaced'); END;

CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
BEGIN SELECT RAISE(FAIL, 'corrections is append-only: rows cannot be updated'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(FAIL, 'corrections is append-only: rows cannot be deleted'); END;
CREATE TRIGGER corrections_no_replace BEFORE INSERT ON corrections
WHEN EXISTS (SELECT 1 FROM corrections WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'corrections is append-only: rows cannot be replaced'); END;

CREATE TRIGGER name_aliases_no_update BEFORE UPDATE ON name_aliases
BEGIN SELECT RAISE(FAIL, 'name_aliases is append-only: rows cannot be updated'); END;
CREATE TRIGGER name_aliases_no_delete BEFORE DELETE ON name_aliases
BEGIN SELECT RAISE(FAIL, 'name_aliases is append-only: rows cannot be deleted'); END;
CREATE TRIGGER name_aliases_no_replace BEFORE INSERT ON name_aliases
WHEN EXISTS (SELECT 1 FROM name_aliases WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'name_aliases is append-only: rows cannot be replaced'); END;

CREATE TRIGGER name_groups_no_update BEFORE UPDATE ON name_groups
BEGIN SELECT RAISE(FAIL, 'name_groups is append-only: rows cannot be updated'); END;
CREATE TRIGGER name_groups_no_delete BEFORE DELETE ON name_groups
BEGIN SELECT RAISE(FAIL, 'name_groups is append-only: rows cannot be deleted'); END;
CREATE TRIGGER name_groups_no_replace BEFORE INSERT ON name_groups
WHEN EXISTS (SELECT 1 FROM name_groups WHERE name_id = NEW.name_id AND seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'name_groups is append-only: rows cannot be replaced'); END;
CREATE TRIGGER group_canonicals_no_update BEFORE UPDATE ON group_canonicals
BEGIN SELECT RAISE(FAIL, 'group_canonicals is append-only: rows cannot be updated'); END;
CREATE TRIGGER group_canonicals_no_delete BEFORE DELETE ON group_canonicals
BEGIN SELECT RAISE(FAIL, 'group_canonicals is append-only: rows cannot be deleted'); END;
CREATE TRIGGER group_canonicals_no_replace BEFORE INSERT ON group_canonicals
WHEN EXISTS (SELECT 1 FROM group_canonicals WHERE group_id = NEW.group_id AND seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'group_canonicals is append-only: rows cannot be replaced'); END;

CREATE TRIGGER document_records_no_update BEFORE UPDATE ON document_records
BEGIN SELECT RAISE(FAIL, 'document_records is append-only: rows cannot be updated'); END;
CREATE TRIGGER document_records_no_delete BEFORE DELETE ON document_records
BEGIN SELECT RAISE(FAIL, 'document_records is append-only: rows cannot be deleted'); END;
CREATE TRIGGER document_records_no_replace BEFORE INSERT ON document_records
WHEN EXISTS (SELECT 1 FROM document_records WHERE seq = NEW.seq OR sha256 = NEW.sha256)
BEGIN SELECT RAISE(FAIL, 'document_records is append-only: rows cannot be replaced'); END;
CREATE TRIGGER anchors_no_update BEFORE UPDATE ON anchors
BEGIN SELECT RAISE(FAIL, 'anchors is append-only: rows cannot be updated'); END;
CREATE TRIGGER anchors_no_delete BEFORE DELETE ON anchors
BEGIN SELECT RAISE(FAIL, 'anchors is append-only: rows cannot be deleted'); END;
CREATE TRIGGER anchors_no_replace BEFORE INSERT ON anchors
WHEN EXISTS (SELECT 1 FROM anchors WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'anchors is append-only: rows cannot be replaced'); END;
CREATE TRIGGER fact_checkers_no_update BEFORE UPDATE ON fact_checkers
BEGIN SELECT RAISE(FAIL, 'fact_checkers is append-only: rows cannot be updated'); END;
CREATE TRIGGER fact_checkers_no_delete BEFORE DELETE ON fact_checkers
BEGIN SELECT RAISE(FAIL, 'fact_checkers is append-only: rows cannot be deleted'); END;
CREATE TRIGGER fact_checkers_no_replace BEFORE INSERT ON fact_checkers
WHEN EXISTS (SELECT 1 FROM fact_checkers WHERE seq = NEW.seq)
BEGIN SELECT RAISE(FAIL, 'fact_checkers is append-only: rows cannot be replaced'); END;

---------------------------------------------------------------------------------
-- 4. Views: what Datasette publishes
---------------------------------------------------------------------------------

CREATE VIEW current_aliases AS
SELECT name_id, of_id, seq FROM name_aliases AS newest
WHERE seq = (SELECT max(seq) FROM name_aliases AS older WHERE older.name_id = newest.name_id);

-- The canonical name of every name in a group (any other name is its own).
CREATE VIEW current_resolutions AS
SELECT member.name_id, canonical.canonical_id
FROM name_groups AS member JOIN group_canonicals AS canonical ON canonical.group_id = member.group_id
WHERE member.seq = (SELECT max(seq) FROM name_groups AS older WHERE older.name_id = member.name_id)
  AND canonical.seq = (SELECT max(seq) FROM group_canonicals AS older WHERE older.group_id = member.group_id);

-- Every name written, with the canonical name it resolves to.
CREATE VIEW entities AS
SELECT names.id, names.name, canonical.id AS canonical_id, canonical.name AS canonical, names.seq
FROM names
JOIN names AS canonical
    ON canonical.id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = names.id), names.id);

-- Every attribution with its names resolved, and also the ids of its names as written
-- (outlet_id, speaker_id, via_id), by which the Datasette plugin counts a page's facets
-- without resolving each row's names. Every column beyond the record's own is a lookup by
-- id in a subquery, not a join: SQLite keeps a view's joins in a count, so Datasette's
-- count of a page would resolve every row's names; this way a count, or a filter on the
-- record's own columns, reads attribution_records alone, and a filter on one attribution
-- never builds `entities` whole. The document named and the quote's place in it are such
-- lookups too, in anchors by its primary key.
CREATE VIEW attribution_rows AS
SELECT id, claim_id, claim, coalesce(speaker, outlet) AS claimant, speaker, outlet, via, date, month, stance,
       url, quote, document, quote_start, quote_end, note, status, outlet_id, speaker_id, via_id
FROM (
    SELECT
        r.seq AS id,
        r.claim_id,
        (SELECT text FROM claim_texts WHERE id = r.claim_id) AS claim,
        (SELECT name FROM names WHERE id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = r.speaker_id), r.speaker_id)) AS speaker,
        (SELECT name FROM names WHERE id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = r.outlet_id), r.outlet_id)) AS outlet,
        (SELECT name FROM names WHERE id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = r.via_id), r.via_id)) AS via,
        r.date,
        substr(r.date, 1, 7) AS month,
        r.stance,
        -- Read from the journal: url, quote and note are only displayed.
        (SELECT json_extract(payload, '$.url') FROM journal WHERE seq = r.seq) AS url,
        (SELECT json_extract(payload, '$.quote') FROM journal WHERE seq = r.seq) AS quote,
        (SELECT document_id FROM anchors WHERE seq = r.seq) AS document,
        (SELECT quote_start FROM anchors WHERE seq = r.seq) AS quote_start,
        (SELECT quote_end FROM anchors WHERE seq = r.seq) AS quote_end,
        (SELECT json_extract(payload, '$.note') FROM journal WHERE seq = r.seq) AS note,
        CASE
            WHEN r.seq IN (SELECT target FROM retractions) THEN 'retracted'
            WHEN r.seq IN (SELECT target FROM corrections) THEN 'superseded'
            ELSE 'current'
        END AS status,
        r.outlet_id,
        r.speaker_id,
        r.via_id
    FROM attribution_records AS r
);

-- What Datasette publishes: the same rows without the ids of names as written.
CREATE VIEW attributions AS
SELECT id, claim_id, claim, claimant, speaker, outlet, via, date, month, stance, url, quote, document, quote_start,
       quote_end, note, status
FROM attribution_rows;

CREATE VIEW current_attributions AS
SELECT * FROM attributions WHERE status = 'current';

-- Attribution rows neither retracted nor superseded, without the names resolved.
CREATE VIEW current_records AS
SELECT * FROM attribution_records
WHERE seq NOT IN (SELECT target FROM retractions) AND seq NOT IN (SELECT target FROM corrections);

-- Every document, with its names resolved and how many attributions name it.
CREATE VIEW documents AS
SELECT
    d.seq AS id,
    d.sha256,
    d.title,
    (SELECT name FROM names WHERE id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = d.outlet_id), d.outlet_id)) AS outlet,
    d.url,
    d.date,
    d.language,
    d.translation_of,
    d.translated_by,
    (SELECT count(*) FROM anchors WHERE document_id = d.seq) AS attributions,
    d.length
FROM document_records AS d;

-- Each document's text, read from its journal entry.
CREATE VIEW document_texts AS
SELECT d.seq AS id, (SELECT json_extract(payload, '$.text') FROM journal WHERE seq = d.seq) AS text
FROM document_records AS d;

-- Per-claim subqueries use the claim_id index, so one claim's row costs a few lookups.
CREATE VIEW claims AS
SELECT *, (asserts > 0 AND disputes > 0) AS contested FROM (
    SELECT
        c.id,
        c.text,
        -- First by instant, not by text: a date with an offset is compared in UTC (a day alone
        -- as its first moment, UTC), ties by the order recorded.
        (SELECT date FROM current_records WHERE claim_id = c.id ORDER BY unixepoch(date), seq LIMIT 1) AS first_seen,
        (SELECT outlet.name FROM current_records AS first
         JOIN names AS outlet
             ON outlet.id = coalesce((SELECT canonical_id FROM current_resolutions WHERE name_id = first.outlet_id),
                                     first.outlet_id)
         WHERE first.claim_id = c.id ORDER BY unixepoch(first.date), first.seq LIMIT 1) AS first_outlet,
        (SELECT count(*) FROM current_records WHERE claim_id = c.id) AS attributions,
        (SELECT count(*) FROM current_records WHERE claim_id = c.id AND stance = 'asserts') AS asserts,
        (SELECT count(*) FROM current_records WHERE claim_id = c.id AND stance = 'reports') AS reports,
        (SELECT count(*) FROM current_records WHERE claim_id = c.id AND stance = 'questions') AS questions,
        (SELECT count(*) FROM current_records WHERE claim_id = c.id AND stance = 'disputes') AS disputes
    FROM claim_texts AS c
);
