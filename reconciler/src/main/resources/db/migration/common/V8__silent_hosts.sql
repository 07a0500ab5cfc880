-- Hosts of the inventory that did not answer the daemon's last observation, each with when it
-- stopped answering (the first observation it missed since it last answered). placement.failover
-- counts from here, so a daemon restart or a cluster's change of lease holder does not restart the
-- count, and driftless plan and status see what the daemon sees. Replaced as a whole by the
-- reconcile that changed it; a host that answers again, or leaves the inventory, loses its row.
CREATE TABLE silent_host (
    environment  VARCHAR(200) NOT NULL,
    host         VARCHAR(255) NOT NULL,
    since        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (environment, host)
);
