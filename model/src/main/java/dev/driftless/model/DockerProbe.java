package dev.driftless.model;

/** Healthy when Docker reports the container healthy, using the image's own HEALTHCHECK. */
public record DockerProbe() implements Probe {

    @Override
    public String describe() {
        return "docker healthcheck";
    }
}
