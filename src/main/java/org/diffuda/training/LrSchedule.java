package org.diffuda.training;

/**
 * mmcv's poly schedule with optional linear warm-up: lr = (base − min)·(1 − it/max)^power + min;
 * during warm-up lr × (1 − (1 − it/warmup)·(1 − ratio)).
 */
public record LrSchedule(double base, double power, double min, int maxIters, int warmupIters, double warmupRatio) {
    /** A constant learning rate. */
    public static LrSchedule constant(double lr) {
        return new LrSchedule(lr, 0, lr, 1, 0, 1);
    }

    public double at(long iter) {
        double progress = Math.min(1.0, (double) iter / maxIters);
        double lr = (base - min) * Math.pow(1 - progress, power) + min;
        if (iter < warmupIters) {
            lr *= 1 - (1 - (double) iter / warmupIters) * (1 - warmupRatio);
        }
        return lr;
    }
}
