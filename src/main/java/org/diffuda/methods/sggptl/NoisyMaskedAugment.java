package org.diffuda.methods.sggptl;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import org.diffuda.data.Classes;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.segmentation.SegTrainer;
import org.diffuda.training.Trainer;
import org.diffuda.util.Generators;
import org.diffuda.util.Generator;
import org.diffuda.util.Engines;
import org.diffuda.util.Rng;

/**
 * The segmenter's augmentation (Peng et al. §4.3), in g₀'s training and every PTL stage's: a
 * fraction of the training images is replaced by its forward-diffused x_t (t uniform below the
 * largest translation step n) and cut to one random class present in its label (other pixels
 * zero, labels 255) — the inputs g meets inside the guidance. We mask half of the noised images
 * and leave the other half whole, so g also sees the whole noisy images GSG shows it (the paper
 * does not say which; ours covers both).
 */
public final class NoisyMaskedAugment implements SegTrainer.BatchAugment {
    private final NoiseSchedule noise;
    private final double fraction;
    private final int maxT;

    public NoisyMaskedAugment(NoiseSchedule noise, double fraction, int maxT) {
        this.noise = noise;
        this.fraction = fraction;
        this.maxT = maxT;
    }

    @Override
    public NDArray[] apply(NDArray images, NDArray labels, Generators iteration) {
        Random r = iteration.generator("noisy-masked:choice").random();
        Generator noiseGen = iteration.generator("noisy-masked:noise");
        int n = (int) images.getShape().get(0);
        NDList xs = new NDList(), ys = new NDList();
        boolean any = false;
        NDManager m = images.getManager();
        for (int i = 0; i < n; i++) {
            NDArray x = images.get(i).expandDims(0);
            NDArray y = labels.get(i).expandDims(0);
            if (r.nextDouble() < fraction) {
                any = true;
                int t = r.nextInt(Math.max(1, maxT));
                NDArray scaled = Tensors.affine(x, 2, -1);
                x = Tensors.div(noise.addNoise(scaled, noiseGen.randn(m, scaled.getShape()), t).add(1f), 2);
                long[] l = y.toLongArray();
                int[] present = SemanticGradientGuidance.presentClasses(l, 0, l.length);
                if (r.nextBoolean() && present.length > 0) {
                    NDArray mask = y.eq(present[r.nextInt(present.length)]);
                    x = x.mul(mask.toType(DataType.FLOAT32, false).expandDims(1));
                    y = NDArrays.where(mask, y, m.full(y.getShape(), Classes.IGNORE).toType(DataType.INT64, false));
                }
            }
            xs.add(x);
            ys.add(y);
        }
        if (!any) {
            return new NDArray[] {images, labels};
        }
        return new NDArray[] {NDArrays.concat(xs, 0), NDArrays.concat(ys, 0)};
    }
}
