package dev.driftless.secrets.tree;

/** A null value: sops leaves it as it is, neither encrypted nor part of the MAC. */
public enum NullNode implements Node {
    INSTANCE
}
