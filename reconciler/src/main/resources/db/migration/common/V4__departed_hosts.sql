-- Hosts that left the inventory while they did not answer, so what this environment still runs
-- there could not be removed. The daemon tries them again at each drift check, reaching them
-- through the inventory of inventory_commit (the last applied commit that still had them), and
-- forgets a host once it answers with nothing of this environment left, rejoins the inventory,
-- or has not answered for 30 days. Replaced as a whole by the reconcile that changed it.
CREATE TABLE departed_host (
    environment       VARCHAR(200) NOT NULL,
    host              VARCHAR(255) NOT NULL,
    inventory_commit  VARCHAR(64)  NOT NULL,
    departed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_error        VARCHAR(4000),
    PRIMARY KEY (environment, host)
);
