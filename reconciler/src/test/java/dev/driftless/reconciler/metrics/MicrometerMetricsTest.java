package dev.driftless.reconciler.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.reconciler.history.Trigger;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {

    @Test
    void skippedTriggersAreCountedByTriggerAndReason() {
        MicrometerMetrics metrics = new MicrometerMetrics("prod");
        metrics.skipped(Trigger.POLL, "busy");
        metrics.skipped(Trigger.POLL, "busy");
        metrics.skipped(Trigger.DRIFT, "suspended");

        assertThat(metrics.scrape())
            .contains("driftless_reconcile_skipped_total{environment=\"prod\",reason=\"busy\",trigger=\"poll\"} 2.0")
            .contains("driftless_reconcile_skipped_total{environment=\"prod\",reason=\"suspended\",trigger=\"drift\"} 1.0");
    }
}
