-- +goose Up
-- The two GIN indexes on tasks (search words, tag ids) are written straight into the index
-- on every insert instead of through a pending list. With the pending list (fastupdate, 4 MB
-- by default) inserts were cheap until the list filled, then the insert that found it full
-- merged all of it while holding it, and every concurrent create waited: in pgbench at 16
-- clients, creates stalled up to 0.85-1.2 s, against 0.13 s without it (docs/bench.md, "GIN
-- pending list"). That rare stall was the create p99 tail that moved between benchmark runs
-- (130-590 ms at c=16). Every search also read the whole pending list. Entries already in a
-- pending list stay until the next (auto)vacuum merges them; the ALTER changes the catalog
-- only, whatever the table's size.
ALTER INDEX tasks_search SET (fastupdate = off);
ALTER INDEX tasks_tag_ids SET (fastupdate = off);

-- +goose Down
ALTER INDEX tasks_tag_ids RESET (fastupdate);
ALTER INDEX tasks_search RESET (fastupdate);
