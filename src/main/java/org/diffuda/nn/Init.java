package org.diffuda.nn;

import ai.djl.training.initializer.Initializer;

/** Torch's default initialisers, so a freshly built model starts where the papers' code does. */
public final class Init {
    private Init() {}

    /** kaiming_uniform(a=sqrt(5)) of nn.Conv2d / nn.Linear: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
    public static Initializer uniformFanIn(long fanIn) {
        float b = (float) (1.0 / Math.sqrt(Math.max(1, fanIn)));
        return (m, shape, dt) -> m.randomUniform(-b, b, shape, dt);
    }

    /** Kaiming normal, fan_out, relu: used by ResNets for conv weights. */
    public static Initializer kaimingNormalFanOut(long fanOut) {
        float std = (float) Math.sqrt(2.0 / Math.max(1, fanOut));
        return (m, shape, dt) -> m.randomNormal(0f, std, shape, dt);
    }

    public static Initializer truncNormal(float std) {
        return (m, shape, dt) -> m.truncatedNormal(0f, std, shape, dt);
    }

    public static Initializer constant(float v) {
        return (m, shape, dt) -> m.full(shape, v, dt);
    }

    public static final Initializer ZEROS = constant(0f);
    public static final Initializer ONES = constant(1f);
}
