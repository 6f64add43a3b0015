-- Re-check the whole chain: entries, the first seq that breaks it (NULL: none), the digest
SELECT count(*) AS entries,
       min(seq) FILTER (WHERE NOT intact) AS first_broken,
       max(seq) || ':' || max_by(hash, seq) AS digest
FROM (
    SELECT seq, hash,
           seq = row_number() OVER chain
           AND prev_hash = coalesce(lag(hash) OVER chain, repeat('0', 64))
           AND hash = sha256(prev_hash || chr(10) || payload) AS intact
    FROM read_parquet('export/journal/*.parquet')
    WINDOW chain AS (ORDER BY seq)
);
