-- Notifications the daemon tells once (a commit waiting for a deploy window or a suspension),
-- each with what it was about, so that a restarted daemon, or another daemon of a cluster taking
-- the next reconcile, does not tell it again. Pruned with the history (history.retention).
CREATE TABLE told_notice (
    environment  VARCHAR(200) NOT NULL,
    event        VARCHAR(40)  NOT NULL,
    subject      VARCHAR(200) NOT NULL,
    told_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (environment, event, subject)
);
