package dev.driftless.secrets.tree;

import java.time.OffsetDateTime;
import java.util.Objects;

/** A timestamp ({@code type:time}), carried as RFC 3339 with its offset. */
public record TimeValue(OffsetDateTime value) implements Scalar {

    public TimeValue {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return "TimeValue[***]";
    }
}
