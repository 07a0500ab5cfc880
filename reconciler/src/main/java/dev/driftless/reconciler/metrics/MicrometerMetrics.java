package dev.driftless.reconciler.metrics;

import dev.driftless.reconciler.history.ReconcileResult;
import dev.driftless.reconciler.history.StepAction;
import dev.driftless.reconciler.history.StepOutcome;
import dev.driftless.reconciler.history.Trigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** {@link Metrics} on a Micrometer Prometheus registry: what {@code /metrics} serves. */
public final class MicrometerMetrics implements Metrics, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong reachable = new AtomicLong();
    private final AtomicLong unreachable = new AtomicLong();
    private final AtomicLong outOfLine = new AtomicLong();
    private final AtomicLong lastApplied = new AtomicLong();
    private final AtomicLong suspendedEnvironment = new AtomicLong();
    private final AtomicLong suspendedServices = new AtomicLong();
    private final AtomicLong lastReloadSucceeded = new AtomicLong(1);
    private final AtomicLong standIns = new AtomicLong();
    private final AtomicLong restartsBackedOff = new AtomicLong();
    private final AtomicLong pullsBackedOff = new AtomicLong();
    private final AtomicLong driftRepairsBackedOff = new AtomicLong();
    private final Counter invalid;
    private final Counter sourceErrors;
    private final Counter abandonedHosts;
    private JvmGcMetrics gcMetrics;

    public MicrometerMetrics(String environment) {
        registry.config().commonTags("environment", environment);
        Gauge.builder("driftless_hosts", reachable, AtomicLong::get).tag("state", "reachable")
            .description("Hosts that answered the last observation").register(registry);
        Gauge.builder("driftless_hosts", unreachable, AtomicLong::get).tag("state", "unreachable")
            .description("Hosts that did not answer the last observation").register(registry);
        Gauge.builder("driftless_drift_instances", outOfLine, AtomicLong::get)
            .description("Instances the last plan found out of line with the desired state").register(registry);
        Gauge.builder("driftless_last_applied_timestamp_seconds", lastApplied, AtomicLong::get)
            .description("When the environment last converged to a commit (Unix time)").register(registry);
        Gauge.builder("driftless_suspended", suspendedEnvironment, AtomicLong::get).tag("scope", "environment")
            .description("1 while the environment is suspended (driftless suspend)").register(registry);
        Gauge.builder("driftless_failover_instances", standIns, AtomicLong::get)
            .description("Instances placed on the next host in line because their own host has been silent for"
                + " placement.failover").register(registry);
        Gauge.builder("driftless_config_last_reload_successful", lastReloadSucceeded, AtomicLong::get)
            .description("1 when the last reload of the configuration succeeded (or none was asked for), 0 when it"
                + " failed and the daemon runs with the configuration it had").register(registry);
        Gauge.builder("driftless_suspended", suspendedServices, AtomicLong::get).tag("scope", "service")
            .description("Services suspended (driftless suspend --service)").register(registry);
        backedOff("restart", restartsBackedOff, "Restarts of crash-looping instances the last plan held back");
        backedOff("pull", pullsBackedOff, "Creates and replaces the last plan held back after their image failed to pull");
        backedOff("drift-repair", driftRepairsBackedOff, "Drift repairs the last plan held back because the drift came"
            + " back after earlier repairs (something on the host keeps changing the instance)");
        invalid = Counter.builder("driftless_invalid_revisions").description("Revisions refused: invalid, or not signed by a key of repo.verify")
            .register(registry);
        sourceErrors = Counter.builder("driftless_source_errors").description("Failed polls of the infra repo")
            .register(registry);
        abandonedHosts = Counter.builder("driftless_departed_hosts_abandoned")
            .description("Hosts that left the inventory and were given up on unanswered (intervals.departed)")
            .register(registry);
    }

    @Override
    public void reconcile(Trigger trigger, ReconcileResult result, Duration took) {
        Timer.builder("driftless_reconcile").description("Reconciles by trigger and result")
            .tag("trigger", lower(trigger)).tag("result", lower(result)).register(registry).record(took);
    }

    @Override
    public void step(StepAction action, StepOutcome outcome, Duration took) {
        Timer.builder("driftless_step").description("Apply steps by action and outcome")
            .tag("action", lower(action)).tag("outcome", lower(outcome)).register(registry).record(took);
    }

    @Override
    public void hosts(int reachableHosts, int unreachableHosts) {
        reachable.set(reachableHosts);
        unreachable.set(unreachableHosts);
    }

    @Override
    public void drift(int instances) {
        outOfLine.set(instances);
    }

    @Override
    public void standIns(int instances) {
        standIns.set(instances);
    }

    @Override
    public void backedOff(int restarts, int pulls, int driftRepairs) {
        restartsBackedOff.set(restarts);
        pullsBackedOff.set(pulls);
        driftRepairsBackedOff.set(driftRepairs);
    }

    private void backedOff(String kind, AtomicLong value, String description) {
        Gauge.builder("driftless_repairs_backed_off", value, AtomicLong::get).tag("kind", kind)
            .description(description).register(registry);
    }

    @Override
    public void applied(Instant at) {
        lastApplied.set(at.getEpochSecond());
    }

    @Override
    public void suspended(boolean environment, int services) {
        suspendedEnvironment.set(environment ? 1 : 0);
        suspendedServices.set(services);
    }

    @Override
    public void skipped(Trigger trigger, String reason) {
        Counter.builder("driftless_reconcile_skipped").description("Triggers that fired and reconciled nothing:"
            + " the environment was suspended, or another daemon held its reconcile lease")
            .tag("trigger", lower(trigger)).tag("reason", reason).register(registry).increment();
    }

    @Override
    public void invalidRevision() {
        invalid.increment();
    }

    @Override
    public void sourceError() {
        sourceErrors.increment();
    }

    /**
     * A reload of the configuration ({@code SIGHUP}): {@code driftless_config_reloads_total{result}}
     * and {@code driftless_config_last_reload_successful} (1 until a reload fails, as Prometheus's
     * own gauge of that name).
     */
    public void configReload(boolean succeeded) {
        lastReloadSucceeded.set(succeeded ? 1 : 0);
        Counter.builder("driftless_config_reloads").description("Reloads of the configuration file (SIGHUP)")
            .tag("result", succeeded ? "success" : "failure").register(registry).increment();
    }

    @Override
    public void hostAbandoned() {
        abandonedHosts.increment();
    }

    @Override
    public void hostKeyRefused(String kind) {
        Counter.builder("driftless_host_key_refusals")
            .description("Hosts whose SSH host key was refused (unknown, changed, revoked), each refusal counted once")
            .tag("problem", kind).register(registry).increment();
    }

    @Override
    public void notification(boolean delivered) {
        Counter.builder("driftless_notifications").description("Notifications by outcome (delivered, dropped)")
            .tag("outcome", delivered ? "delivered" : "dropped").register(registry).increment();
    }

    /**
     * Adds the process's own meters, as every JVM service exposes them: heap and non-heap memory
     * ({@code jvm_memory_used_bytes}), garbage collection, threads, loaded classes, CPU, open file
     * descriptors and uptime. For the daemon; {@link #close()} lets go of the GC listener.
     */
    public MicrometerMetrics withProcessMetrics() {
        if (gcMetrics == null) {
            new ClassLoaderMetrics().bindTo(registry);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
            gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
        }
        return this;
    }

    @Override
    public void close() {
        if (gcMetrics != null) {
            gcMetrics.close();
        }
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
