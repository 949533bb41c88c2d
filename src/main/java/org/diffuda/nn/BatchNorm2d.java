package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * torch.nn.BatchNorm2d (momentum 0.1, eps 1e-5). In training the native op normalises with batch
 * statistics and updates the running buffers in place; in eval it uses the buffers.
 */
public final class BatchNorm2d extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;

    public BatchNorm2d(int channels) {
        this.weight = param("weight", new Shape(channels), Init.ONES);
        this.bias = param("bias", new Shape(channels), Init.ZEROS);
        this.runningMean = buffer("running_mean", new Shape(channels), Init.ZEROS);
        this.runningVar = buffer("running_var", new Shape(channels), Init.ONES);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        NDArray x = inputs.head();
        // DJL passes (1 - momentum) to torch, so 0.9 here is torch's momentum 0.1.
        return x.getNDArrayInternal().batchNorm(x, runningMean.getArray(), runningVar.getArray(),
                weight.getArray(), bias.getArray(), 1, 0.9f, 1e-5f, training);
    }
}
