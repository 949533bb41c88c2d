package org.diffuda.methods.sggptl;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.diffuda.data.Classes;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.nn.Ops;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;

/**
 * Semantic Gradient Guidance (Peng et al., ICCV'23, §4.2) as a sampling hook on a DDPM's mean.
 * The segmenter g judges x_k (mapped from [−1, 1] to its [0, 1] input, and upsampled to the
 * labels' resolution when the denoiser works smaller); the mean moves down the cross-entropy to
 * the source labels y: μ̂ = μ − λ·Σ·∇_{x_k} CE (the paper writes "+λΣ∇L"; the intent, as in
 * classifier guidance, is to lower the loss). CE is summed over labelled pixels, so an image's
 * gradient does not depend on its size or on the other images of the batch.
 * <ul>
 *   <li>LCG: for each class c in y with mask m_c, CE(g(x_k ⊙ m_c), y) over the pixels of c gives
 *   μ̂_c; the step's mean is Σ_c m_c ⊙ μ̂_c, and pixels labelled 255 keep the unguided μ. Because
 *   the regions are disjoint, sampling each x_{k−1,c} and composing equals adding one noise draw
 *   to the composed mean, which the sampler does. All (image, class) copies of a batch go through
 *   g together, in chunks.</li>
 *   <li>GSG: one CE over the whole image, one guided mean.</li>
 * </ul>
 */
public final class SemanticGradientGuidance implements SamplingHook {
    /** Masked copies per forward/backward pass of g at the embedded world's 64×128 (bounds memory). */
    static final int CHUNK = 48;
    private static final long CHUNK_PIXELS = 64L * 128;

    /**
     * Copies (or images) per pass of g at {@code pixels} per input: {@link #CHUNK} at the embedded
     * 64×128 and below, fewer as inputs grow (3 at 256×512, 1 from 512×1024 on), so a pass of a
     * real-scale segmenter with its backward stays near the embedded pass's size.
     */
    static int chunkFor(long pixels) {
        return (int) Math.max(1, Math.min(CHUNK, CHUNK * CHUNK_PIXELS / Math.max(1, pixels)));
    }

    private final Segmenter g;
    private final NDArray labels;
    private final double lambda;
    private final Arrangement arrangement;
    private final int steps;
    private final Random random;
    private final List<long[]> copies; // (image, class) pairs of LCG
    private NDArray lowLabels; // labels at the sample's resolution, made on the first LCG step

    /** @param labels source labels (N, H, W) int64 at the segmenter's resolution */
    public SemanticGradientGuidance(Segmenter g, NDArray labels, double lambda, Arrangement arrangement, int steps, long seed) {
        this.g = g;
        // only ∇_x is wanted: with trainable parameters (a loaded model's are) every guided step
        // would also pile ∇_θ CE into g's gradient buffers — the same g is fine-tuned next
        org.diffuda.nn.ParamNames.trainable(g).values().forEach(p -> p.getArray().setRequiresGradient(false));
        this.labels = labels;
        this.lambda = lambda;
        this.arrangement = arrangement;
        this.steps = steps;
        this.random = new Random(seed);
        this.copies = copies(labels);
    }

    @Override
    public NDArray guideMean(int index, int t, NDArray xt, NDArray mean, double variance) {
        float scale = (float) (lambda * variance);
        NDArray grad = arrangement.local(index, steps, random) ? localGradient(xt) : globalGradient(xt);
        return mean.sub(Tensors.mul(grad, scale));
    }

    /** GSG: ∇_{x_k} Σ_pixels CE(g(x_k), y), a chunk of images at a time (each image's gradient is its own). */
    NDArray globalGradient(NDArray xt) {
        return globalGradient(xt, chunkFor(pixels()));
    }

    NDArray globalGradient(NDArray xt, int chunk) {
        if (xt.getShape().get(0) <= chunk) {
            return globalGradient(xt, labels);
        }
        return Tensors.inSlices(xt, 0, chunk, (start, part) -> {
            NDArray y = labels.get(new NDIndex().addSliceDim(start, start + part.getShape().get(0)));
            y.attach(part.getManager()); // freed with the slice's scope
            return globalGradient(part, y);
        });
    }

    private NDArray globalGradient(NDArray xt, NDArray y) {
        NDArray x = xt.duplicate();
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
            NDArray loss = Losses.crossEntropySum(g.logits(toSegmenter(x), false), y);
            gc.backward(loss);
        }
        return detachedGradient(x, xt.getManager());
    }

    /** Pixels of one segmenter input (the labels' resolution). */
    private long pixels() {
        long[] l = labels.getShape().getShape();
        return l[1] * l[2];
    }

    /**
     * LCG composed: Σ_c m_c ⊙ ∇_{x_k} CE(g(x_k ⊙ m_c), y|_c), with m_c at the sample's resolution
     * (nearest) for the composition and at the labels' resolution for the masked input and loss.
     */
    NDArray localGradient(NDArray xt) {
        return localGradient(xt, chunkFor(pixels()));
    }

    NDArray localGradient(NDArray xt, int chunkSize) {
        NDManager root = xt.getManager();
        long[] s = xt.getShape().getShape();
        if (lowLabels == null) {
            lowLabels = resizeLabels(labels, s[2], s[3]); // lives with the labels, not the step
        }
        NDArray total = root.zeros(xt.getShape());
        for (int k0 = 0; k0 < copies.size(); k0 += chunkSize) {
            List<long[]> chunk = copies.subList(k0, Math.min(copies.size(), k0 + chunkSize));
            try (NDManager sub = root.newSubManager()) {
                NDArray xs = select(xt, chunk, sub);
                xs.setRequiresGradient(true);
                NDArray cls = Tensors.create(sub, chunk.stream().mapToLong(c -> c[1]).toArray()).reshape(-1, 1, 1);
                NDArray hi = select(labels, chunk, sub);
                NDArray maskHi = hi.eq(cls);
                NDArray target = NDArrays.where(maskHi, hi, sub.full(hi.getShape(), Classes.IGNORE).toType(DataType.INT64, false));
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    NDArray input = toSegmenter(xs).mul(maskHi.toType(DataType.FLOAT32, false).expandDims(1));
                    gc.backward(Losses.crossEntropySum(g.logits(input, false), target));
                }
                NDArray maskLo = select(lowLabels, chunk, sub).eq(cls).toType(DataType.FLOAT32, false).expandDims(1);
                NDArray masked = xs.getGradient().mul(maskLo).reshape(chunk.size(), -1);
                // scatter the copies back onto their images: one-hot (B × K) times (K × 3hw)
                float[] onehot = new float[(int) (s[0] * chunk.size())];
                for (int k = 0; k < chunk.size(); k++) {
                    onehot[(int) (chunk.get(k)[0] * chunk.size() + k)] = 1f;
                }
                NDArray perImage = Tensors.create(sub, onehot).reshape(s[0], chunk.size()).matMul(masked).reshape(xt.getShape());
                NDArray next = total.add(perImage);
                next.attach(root);
                total.close();
                total = next;
            }
        }
        return total;
    }

    /** [−1, 1] sample → [0, 1] segmenter input at the labels' resolution (bilinear, differentiable). */
    private NDArray toSegmenter(NDArray x) {
        long[] l = labels.getShape().getShape();
        return Tensors.div(Ops.resize(x, l[1], l[2], Ops.BILINEAR).add(1f), 2);
    }

    private static NDArray select(NDArray a, List<long[]> chunk, NDManager m) {
        NDList parts = new NDList();
        for (long[] c : chunk) {
            parts.add(a.get(c[0]).expandDims(0));
        }
        NDArray out = NDArrays.concat(parts, 0);
        out.attach(m);
        return out.duplicate();
    }

    static NDArray resizeLabels(NDArray labels, long h, long w) {
        long[] s = labels.getShape().getShape();
        if (s[1] == h && s[2] == w) {
            return labels;
        }
        return Ops.resize(labels.toType(DataType.FLOAT32, false).expandDims(1), h, w, Ops.NEAREST)
                .squeeze(1).toType(DataType.INT64, false);
    }

    private static NDArray detachedGradient(NDArray x, NDManager m) {
        NDArray grad = x.getGradient().duplicate();
        grad.attach(m);
        return grad;
    }

    /** The (image, class) pairs LCG guides: every class present in each image's label. */
    static List<long[]> copies(NDArray labels) {
        long[] shape = labels.getShape().getShape();
        long[] l = labels.toLongArray();
        int per = (int) (shape[1] * shape[2]);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < shape[0]; i++) {
            for (int c : presentClasses(l, i * per, (i + 1) * per)) {
                out.add(new long[] {i, c});
            }
        }
        return out;
    }

    /** The train ids (0..18) that occur in {@code labels[from, to)}, ascending. */
    static int[] presentClasses(long[] labels, int from, int to) {
        boolean[] seen = new boolean[Classes.NUM];
        for (int p = from; p < to; p++) {
            long v = labels[p];
            if (v >= 0 && v < Classes.NUM) {
                seen[(int) v] = true;
            }
        }
        return java.util.stream.IntStream.range(0, Classes.NUM).filter(c -> seen[c]).toArray();
    }
}
