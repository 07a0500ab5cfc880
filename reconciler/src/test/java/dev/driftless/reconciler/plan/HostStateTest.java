package dev.driftless.reconciler.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostStateTest {

    @Test
    void aHostSaysWhatItRunsCountingUnitsOnlyWhereThereAreSome() {
        assertThat(new HostState("app-1", true, Optional.empty(), 2, Duration.ZERO).found()).isEqualTo("2 containers");
        assertThat(new HostState("app-1", true, Optional.empty(), 1, Duration.ZERO, 1).found())
            .isEqualTo("1 container, 1 unit");
        assertThat(new HostState("edge-1", true, Optional.empty(), 0, Duration.ZERO, 3).found())
            .isEqualTo("0 containers, 3 units");
    }
}
