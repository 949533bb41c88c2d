package org.diffuda.methods.sggptl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.diffuda.data.Classes;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;

/**
 * Semantic Gradient Guidance (Peng et al., ICCV'23, §4.2) as a sampling hook on a DDPM's mean.
 * The segmenter g judges x_k (mapped from [−1, 1] to its [0, 1] input); the mean moves down the
 * cross-entropy to the source labels y: μ̂ = μ − λ·Σ·∇_{x_k} CE (the paper writes "+λΣ∇L"; the
 * intent, as in classifier guidance, is to lower the loss).
 * <ul>
 *   <li>LCG: for each class c in y with mask m_c, CE(g(x_k ⊙ m_c), y) over the pixels of c gives
 *   μ̂_c; the step's mean is Σ_c m_c ⊙ μ̂_c, and pixels labelled 255 keep the unguided μ. Because
 *   every pixel belongs to one region, sampling each x_{k−1,c} and composing equals adding one
 *   noise draw to the composed mean, which the sampler does.</li>
 *   <li>GSG: one CE over the whole image, one guided mean.</li>
 * </ul>
 */
public final class SemanticGradientGuidance implements SamplingHook {
    private final Segmenter g;
    private final NDArray labels;
    private final double lambda;
    private final Arrangement arrangement;
    private final int steps;
    private final Random random;

    /** @param labels source labels (N, H, W) int64 at the sample's resolution */
    public SemanticGradientGuidance(Segmenter g, NDArray labels, double lambda, Arrangement arrangement, int steps, long seed) {
        this.g = g;
        this.labels = labels;
        this.lambda = lambda;
        this.arrangement = arrangement;
        this.steps = steps;
        this.random = new Random(seed);
    }

    @Override
    public NDArray guideMean(int index, int t, NDArray xt, NDArray mean, double variance) {
        float scale = (float) (lambda * variance);
        if (!arrangement.local(index, steps, random)) {
            return mean.sub(gradient(xt, null).mul(scale));
        }
        NDArray out = mean;
        for (int c : presentClasses()) {
            NDArray m = labels.eq(c).toType(DataType.FLOAT32, false).expandDims(1);
            NDArray guided = mean.sub(gradient(xt, c).mul(scale));
            out = out.add(guided.sub(mean).mul(m));
        }
        return out;
    }

    /** ∇_{x_k} of the CE of g on x_k (cls null: whole image; else masked to class cls). */
    NDArray gradient(NDArray xt, Integer cls) {
        NDManager m = xt.getManager();
        NDArray x = xt.duplicate();
        x.setRequiresGradient(true);
        NDArray grad;
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray input = x.add(1f).div(2f);
            NDArray target = labels;
            if (cls != null) {
                NDArray mask = labels.eq(cls);
                input = input.mul(mask.toType(DataType.FLOAT32, false).expandDims(1));
                target = labels.mul(mask.toType(DataType.INT64, false))
                        .add(mask.logicalNot().toType(DataType.INT64, false).mul(Classes.IGNORE));
            }
            NDArray loss = Losses.crossEntropyValid(g.logits(input, false), target);
            gc.backward(loss);
        }
        grad = x.getGradient().duplicate();
        grad.attach(m);
        return grad;
    }

    int[] presentClasses() {
        long[] l = labels.toLongArray();
        boolean[] seen = new boolean[Classes.NUM];
        for (long v : l) {
            if (v >= 0 && v < Classes.NUM) {
                seen[(int) v] = true;
            }
        }
        return java.util.stream.IntStream.range(0, Classes.NUM).filter(c -> seen[c]).toArray();
    }
}
