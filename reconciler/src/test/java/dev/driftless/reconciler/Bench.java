package dev.driftless.reconciler;

import java.util.Arrays;

/** How the benchmarks among the tests print a measured series: one {@code BENCH} line on stdout. */
public final class Bench {

    private Bench() {
    }

    /** {@code BENCH <what> n=… median … p90 … mean …}, in milliseconds. */
    public static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2] / 1e6;
        double p90 = sorted[(int) (sorted.length * 0.9)] / 1e6;
        double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
        System.out.printf("BENCH %-66s n=%4d median %8.3f ms  p90 %8.3f ms  mean %8.3f ms%n",
            what, sorted.length, median, p90, mean);
    }
}
