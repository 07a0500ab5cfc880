package dev.driftless.model;

/**
 * How to ask an instance whether it is healthy. The reconciler runs the probe on the instance's
 * host (over SSH); model only describes it.
 */
public sealed interface Probe permits HttpProbe, TcpProbe, CommandProbe, DockerProbe {

    /** The probe as written in the repo, e.g. {@code http :8080/healthz}; for messages and plans. */
    String describe();
}
