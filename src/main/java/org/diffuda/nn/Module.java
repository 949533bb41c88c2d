package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Base of every diffuda model: a DJL block whose parameter shapes come from its config at
 * construction (as in torch / diffusers), not inferred from an input shape. Child names are the
 * segments of the diffusers / torch parameter key, so {@link ParamNames} turns the block tree
 * into {@code down_blocks.0.resnets.1.conv1.weight}-style keys.
 *
 * <p>Subclasses implement {@link #forward(NDList, boolean)}; the parameter store is not used
 * because diffuda keeps every parameter on the model's own device.
 */
public abstract class Module extends AbstractBlock {

    protected Module() {
        super((byte) 1);
    }

    protected <B extends Block> B child(String name, B block) {
        return addChildBlock(name, block);
    }

    protected Parameter param(String name, Shape shape, Initializer init) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(shape).optInitializer(init).build());
    }

    /** A buffer: saved with the weights, never trained (BatchNorm running statistics). */
    protected Parameter buffer(String name, Shape shape, Initializer init) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.RUNNING_MEAN)
                .optShape(shape).optInitializer(init).optRequiresGrad(false).build());
    }

    /**
     * Keys a published checkpoint may carry that this model does not use and that loading skips
     * silently (transformers' {@code _keys_to_ignore_on_load_unexpected}). Full dotted keys.
     */
    public boolean ignoredOnLoad(String key) {
        return false;
    }

    public abstract NDList forward(NDList inputs, boolean training);

    public NDArray forward(NDArray x, boolean training) {
        return forward(new NDList(x), training).singletonOrThrow();
    }

    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                           PairList<String, Object> params) {
        return forward(inputs, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not infer shapes; run it");
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block b : children.values()) {
            b.initialize(manager, dataType, inputShapes);
        }
    }

    /** Creates every parameter (shapes are known) in {@code manager}. */
    public <M extends Module> M init(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1));
        @SuppressWarnings("unchecked")
        M self = (M) this;
        return self;
    }

    /**
     * Creates every parameter with its initialiser drawing from {@code generator} (libtorch's
     * initialisers read only the global generator, so it is seeded from this one meanwhile).
     */
    public <M extends Module> M init(NDManager manager, org.diffuda.util.Generator generator) {
        return generator.seeded(() -> init(manager));
    }

    /** Runs a child module. */
    protected static NDArray run(Block b, NDArray x, boolean training) {
        return ((Module) b).forward(x, training);
    }
}
