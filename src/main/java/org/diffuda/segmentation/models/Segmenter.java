package org.diffuda.segmentation.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;

/**
 * A segmentation model: images in [0, 1] (N, 3, H, W) → logits at reduced resolution plus the
 * encoder's feature maps (later methods need them for feature-similarity losses, the
 * ImageNet feature distance and discriminators). Normalisation with the ImageNet statistics
 * happens inside, so gradients w.r.t. the input image (gradient guidance) are w.r.t. pixels.
 */
public abstract class Segmenter extends Module {
    /** Logits (N, K, h, w) and encoder features, shallow to deep. */
    public record Output(NDArray logits, List<NDArray> features) {}

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    protected final SegModelConfig config;

    protected Segmenter(SegModelConfig config) {
        this.config = config;
    }

    public SegModelConfig config() {
        return config;
    }

    /** Head parameters get DAFormer's 10× learning rate; keys start with this prefix. */
    public String headPrefix() {
        return "decode_head.";
    }

    public abstract Output run(NDArray images, boolean training);

    /** Logits upsampled bilinearly to the input size. */
    public NDArray logits(NDArray images, boolean training) {
        NDArray l = run(images, training).logits();
        long[] s = images.getShape().getShape();
        return Ops.resize(l, s[2], s[3], Ops.BILINEAR);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        Output o = run(inputs.head(), training);
        NDList out = new NDList(o.logits());
        out.addAll(o.features());
        return out;
    }

    protected static NDArray normalize(NDArray x) {
        NDManager m = x.getManager();
        NDArray mean = Tensors.create(m, MEAN).reshape(1, 3, 1, 1);
        NDArray std = Tensors.create(m, STD).reshape(1, 3, 1, 1);
        return x.sub(mean).div(std);
    }
}
