package org.diffuda.util;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time of a repeated step, as the benches report it: {@code warmup} untimed runs (JIT,
 * allocator and libtorch's kernel caches settle), then {@code iterations} timed ones, summarised
 * by min and median — the median is the figure to compare, the min shows the noise floor.
 */
public final class Timing {
    private Timing() {}

    /** Milliseconds per step over the timed iterations. */
    public record Stats(double minMs, double medianMs, double meanMs, int iterations) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("min_ms", minMs);
            m.put("median_ms", medianMs);
            m.put("mean_ms", meanMs);
            m.put("iterations", iterations);
            return m;
        }

        /** The same figures divided by {@code n} (per image of a batch). */
        public Stats per(int n) {
            return new Stats(minMs / n, medianMs / n, meanMs / n, iterations);
        }
    }

    public static Stats measure(int warmup, int iterations, Runnable step) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("bench: --warmup must be >= 0 and --iterations >= 1 (got " + warmup + ", " + iterations + ")");
        }
        for (int i = 0; i < warmup; i++) {
            step.run();
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double mean = Arrays.stream(ms).average().orElse(0);
        Arrays.sort(ms);
        double median = iterations % 2 == 1 ? ms[iterations / 2] : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2;
        return new Stats(ms[0], median, mean, iterations);
    }
}
