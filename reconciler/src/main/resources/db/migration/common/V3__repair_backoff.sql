-- Backoffs of repairs that keep failing (a crash-looping container's restarts, pulls of an image
-- that cannot be pulled): kept here rather than in one daemon's memory, so a restarted daemon, or
-- another daemon of a cluster, holds the same repair back. kind: restart or pull. Rows are
-- replaced as a whole per kind by the reconcile that changed them (one reconcile runs at a time).
CREATE TABLE repair_backoff (
    environment   VARCHAR(200)  NOT NULL,
    kind          VARCHAR(16)   NOT NULL,
    backoff_key   VARCHAR(2000) NOT NULL,
    failures      INTEGER       NOT NULL,
    not_before    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (environment, kind, backoff_key)
);
