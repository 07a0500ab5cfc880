-- Which daemon runs a reconcile (its database application name, "driftless HOST pid PID") and
-- when it last said it still does. A reconcile whose daemon lost the reconcile lease finishes the
-- host steps under way; while it beats, another daemon neither marks it INTERRUPTED nor applies.
ALTER TABLE reconcile ADD COLUMN owner VARCHAR(200);
ALTER TABLE reconcile ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE;
