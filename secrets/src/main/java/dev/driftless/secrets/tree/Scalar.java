package dev.driftless.secrets.tree;

/** A typed leaf value, one of the types sops tags encrypted values with. */
public sealed interface Scalar extends Node permits TextValue, IntValue, FloatValue, BoolValue, BytesValue, TimeValue {
}
