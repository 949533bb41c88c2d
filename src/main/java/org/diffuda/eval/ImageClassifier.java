package org.diffuda.eval;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.models.ResNet;
import java.util.Map;
import org.diffuda.training.LrSchedule;
import org.diffuda.training.Optimizer;
import org.diffuda.training.Trainer;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.diffuda.util.Rng;

/**
 * A small image classifier (the segmentation ResNet-18 backbone at width 16, global average
 * pooling, a linear layer) used as a judge: is a generated image "real" or "sim", which
 * condition or object does it show. Trained with cross-entropy, AdamW, flips as augmentation.
 */
public final class ImageClassifier extends Module {
    private final ResNet backbone;
    private final Linear fc;
    private final int classes;

    public ImageClassifier(int classes) {
        this.classes = classes;
        backbone = child("backbone", new ResNet("resnet18", 16, 32));
        fc = child("fc", new Linear(backbone.channels().get(3), classes));
    }

    /** Logits (N, classes) for images in [0, 1]. */
    public NDArray logits(NDArray x, boolean training) {
        NDArray f = backbone.stages(Tensors.affine(x, 2, -1), training).get(3);
        long n = f.getShape().get(0), c = f.getShape().get(1);
        NDArray pooled = f.reshape(n, c, -1).mean(new int[] {2});
        return fc.forward(pooled, training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(logits(inputs.head(), training));
    }

    /** Trains on images (CHW floats in [0, 1], all h × w) with integer labels, on the one trainer. */
    public void train(List<float[]> images, int[] labels, int h, int w, int iterations, int batch, long seed) {
        Optimizer opt = Optimizer.adamw(ParamNames.trainable(this), 0.9, 0.999, 1e-4);
        int per = 3 * h * w;
        new Trainer("classifier train", iterations, seed)
                .group("classifier", opt, new LrSchedule(1e-3, 1, 0, iterations, 0, 1))
                .run(it -> {
                    Random r = it.generator("batch").random();
                    float[] x = new float[batch * per];
                    long[] y = new long[batch];
                    for (int j = 0; j < batch; j++) {
                        int k = r.nextInt(images.size());
                        float[] img = images.get(k);
                        boolean flip = r.nextBoolean();
                        for (int c = 0; c < 3; c++) {
                            for (int yy = 0; yy < h; yy++) {
                                for (int xx = 0; xx < w; xx++) {
                                    x[j * per + c * h * w + yy * w + xx] = img[c * h * w + yy * w + (flip ? w - 1 - xx : xx)];
                                }
                            }
                        }
                        y[j] = labels[k];
                    }
                    NDArray xs = Tensors.create(it.manager(), x, new Shape(batch, 3, h, w));
                    NDArray ys = Tensors.create(it.manager(), y, new Shape(batch, 1));
                    return Map.of("loss", it.backward(() -> logits(xs, true).logSoftmax(1).gather(ys, 1).neg().mean()));
                });
    }

    /** Arg-max class of each image (N, 3, h, w). */
    public int[] predict(NDArray images) {
        NDManager root = ParamNames.of(this).values().iterator().next().getArray().getManager();
        try (NDManager sub = root.newSubManager()) {
            NDArray x = images.duplicate();
            x.attach(sub);
            return logits(x, false).argMax(1).toType(DataType.INT32, false).toIntArray();
        }
    }

    public int classes() {
        return classes;
    }
}
