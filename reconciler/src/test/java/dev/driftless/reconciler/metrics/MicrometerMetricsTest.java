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

    @Test
    void theDaemonsMetricsIncludeTheProcessMemoryThreadsGcCpuFilesAndUptime() {
        try (MicrometerMetrics metrics = new MicrometerMetrics("prod").withProcessMetrics().withProcessMetrics()) {
            System.gc();
            // The GC's notification arrives on its own thread, a moment after the collection.
            org.awaitility.Awaitility.await("a GC pause recorded").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> metrics.scrape().contains("jvm_gc_pause_seconds_count{"));
            String scrape = metrics.scrape();

            assertThat(scrape).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\",environment=\"prod\",id=\"[^\"]+\"} [0-9.E]+$")
                .containsPattern("(?m)^jvm_memory_max_bytes\\{area=\"heap\"")
                .containsPattern("(?m)^jvm_threads_live_threads\\{environment=\"prod\"} [1-9]")
                .containsPattern("(?m)^jvm_classes_loaded_classes\\{environment=\"prod\"} [1-9]")
                .containsPattern("(?m)^jvm_gc_pause_seconds_count\\{")
                .containsPattern("(?m)^process_cpu_usage\\{environment=\"prod\"}")
                .containsPattern("(?m)^process_files_open_files\\{environment=\"prod\"} [1-9]")
                .containsPattern("(?m)^process_uptime_seconds\\{environment=\"prod\"} ");
            assertThat(scrape.lines().filter(l -> l.startsWith("jvm_threads_live_threads{")).count())
                .as("bound once, however often asked").isEqualTo(1);
        }
    }

    @Test
    void withoutThemOnlyDriftlessOwnMetricsAreServed() {
        assertThat(new MicrometerMetrics("prod").scrape()).doesNotContain("jvm_", "process_");
    }
}
