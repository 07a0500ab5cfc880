package dev.driftless.model;

/** Healthy when a TCP connection to the instance's {@code port} is accepted. */
public record TcpProbe(int port) implements Probe {

    @Override
    public String describe() {
        return "tcp :" + port;
    }
}
