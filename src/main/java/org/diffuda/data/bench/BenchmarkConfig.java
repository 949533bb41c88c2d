package org.diffuda.data.bench;

/**
 * Sizes of the embedded benchmark. Defaults keep the demo inside its time budget on 2 cores;
 * {@link #tiny()} is what tests use (same code paths, fewer and smaller images).
 */
public record BenchmarkConfig(int height, int width, int simTrain, int realTrain, int realVal,
                              int conditionTrain, int conditionVal, int priorScenes, int priorObjects, long seed) {
    public static BenchmarkConfig defaults() {
        return new BenchmarkConfig(64, 128, 800, 800, 200, 200, 100, 1600, 400, 0);
    }

    public static BenchmarkConfig tiny() {
        return new BenchmarkConfig(32, 64, 16, 16, 8, 4, 4, 16, 8, 0);
    }

    public BenchmarkConfig withSeed(long s) {
        return new BenchmarkConfig(height, width, simTrain, realTrain, realVal, conditionTrain, conditionVal,
                priorScenes, priorObjects, s);
    }
}
