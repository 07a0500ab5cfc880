package dev.driftless.model;

import java.util.Objects;

/** Healthy when {@code GET http://<instance>:<port><path>} answers with a 2xx or 3xx status. */
public record HttpProbe(int port, String path) implements Probe {

    public HttpProbe {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with /");
        }
    }

    @Override
    public String describe() {
        return "http :" + port + path;
    }
}
