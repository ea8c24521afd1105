-- The rollups are no longer rebuilt inside each ingest: a batch notes the (hall, day)s it touched here, and the
-- server rebuilds them every few seconds and before any report reads them (so a report is never behind).
CREATE TABLE rollup_dirty (
    hall         text NOT NULL,
    business_day date NOT NULL,
    PRIMARY KEY (hall, business_day)
);
