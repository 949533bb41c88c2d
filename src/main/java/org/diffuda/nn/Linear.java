package org.diffuda.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** torch.nn.Linear over the last axis: weight (out, in), optional bias. */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this.weight = param("weight", new Shape(out, in), Init.uniformFanIn(in));
        this.bias = bias ? param("bias", new Shape(out), Init.uniformFanIn(in)) : null;
    }

    public Linear(int in, int out) {
        this(in, out, true);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        // torch semantics x·Wᵀ + b in one native op; the result lives in the input's manager
        return bias == null ? ai.djl.nn.core.Linear.linear(inputs.head(), weight.getArray())
                : ai.djl.nn.core.Linear.linear(inputs.head(), weight.getArray(), bias.getArray());
    }
}
