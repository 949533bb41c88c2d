package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffuda.data.Classes;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.schedulers.DdpmScheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.methods.sggptl.Arrangement;
import org.diffuda.methods.sggptl.SemanticGradientGuidance;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

class SemanticGradientGuidanceTest {
    static final SegModelConfig SEG = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
    static final UNet2DConfig UNET = new UNet2DConfig("UNet2DModel", 16, 3, 3, List.of("DownBlock2D", "DownBlock2D"),
            List.of("UpBlock2D", "UpBlock2D"), List.of(16, 32), 1, 16, 8, 1e-5, true, 0, 0.0, 1);

    /** Left half road (0), right half car (13), a band of ignore (255) in the middle. */
    static NDArray labels(NDManager m) {
        int h = 16, w = 32;
        long[] l = new long[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                l[y * w + x] = x < 14 ? 0 : x < 18 ? Classes.IGNORE : 13;
            }
        }
        return m.create(l, new Shape(1, h, w));
    }

    /** A segmenter that has seen the labels on one image: its gradients mean something. */
    static Segmenter fitted(NDManager m, NDArray y) {
        Segmenter g = SegModels.create(SEG, m);
        var params = org.diffuda.nn.ParamNames.trainable(g);
        var opt = org.diffuda.training.Optimizer.adamw(params, 0.9, 0.999, 0);
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        NDArray img = m.randomUniform(0f, 1f, new Shape(2, 3, 16, 32)); // batch 2: BatchNorm needs it in training
        NDArray y2 = y.concat(y, 0);
        for (int i = 0; i < 15; i++) {
            try (NDManager sub = m.newSubManager()) {
                try (var gc = Engines.engine().newGradientCollector()) {
                    gc.backward(Losses.crossEntropyValid(g.logits(img, true), y2));
                }
                opt.step(3e-3);
            }
        }
        params.values().forEach(p -> p.getArray().setRequiresGradient(false));
        return g;
    }

    double ce(Segmenter g, NDArray x, NDArray y) {
        return Losses.crossEntropyValid(g.logits(x.add(1f).div(2f), false), y).getFloat();
    }

    @Test
    void guidedStepLowersTheCrossEntropy() {
        Engines.seed(11);
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray y0 = labels(m);
            Segmenter g = fitted(m, y0);
            UNet2DModel u = new UNet2DModel(UNET).init(m);
            DdpmScheduler s = new DdpmScheduler(SchedulerConfig.ddpm().withVarianceType("fixed_large"));
            NDArray y = labels(m);
            NDArray xt = m.randomNormal(new Shape(1, 3, 16, 32)).mul(0.3f);
            int t = 20;
            NDArray mean = s.mean(u.predict(xt, new float[] {t}, Conditioning.NONE, false), t, xt).prevSample();
            NDArray z = m.randomNormal(mean.getShape());
            float sigma = (float) Math.sqrt(s.variance(t));
            for (Arrangement a : List.of(Arrangement.GLOBAL_ONLY, Arrangement.LOCAL_ONLY)) {
                SemanticGradientGuidance sgg = new SemanticGradientGuidance(g, y, 200, a, 1, 0);
                NDArray guided = sgg.guideMean(0, t, xt, mean, s.variance(t));
                double unguidedCe = ce(g, mean.add(z.mul(sigma)), y);
                double guidedCe = ce(g, guided.add(z.mul(sigma)), y);
                // max |guided − mean| = 0 in the message means the gradient came back empty, not weak
                assertTrue(guidedCe < unguidedCe, a + ": CE " + unguidedCe + " -> " + guidedCe
                        + ", max |guided - mean| " + guided.sub(mean).abs().max().getFloat());
            }
        }
    }

    @Test
    void localGuidanceTouchesOnlyTheGuidedClassAndNeverIgnorePixels() {
        Engines.seed(12);
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray y = labels(m);
            Segmenter g = fitted(m, y);
            // only road is labelled: car pixels become 255 too
            NDArray roadOnly = y.eq(0).toType(DataType.INT64, false).mul(0)
                    .add(y.eq(0).logicalNot().toType(DataType.INT64, false).mul(Classes.IGNORE));
            NDArray xt = m.randomNormal(new Shape(1, 3, 16, 32));
            NDArray mean = m.randomNormal(new Shape(1, 3, 16, 32));
            for (NDArray lab : List.of(roadOnly, y)) {
                NDArray guided = new SemanticGradientGuidance(g, lab, 500, Arrangement.LOCAL_ONLY, 1, 0)
                        .guideMean(0, 10, xt, mean, 0.01);
                float[] d = guided.sub(mean).abs().sum(new int[] {1}).toFloatArray();
                long[] l = lab.toLongArray();
                double changedInside = 0;
                for (int i = 0; i < l.length; i++) {
                    if (l[i] == Classes.IGNORE) {
                        assertEquals(0f, d[i], 0f, "pixel " + i + " is 255 and must stay unguided");
                    } else {
                        changedInside += d[i];
                    }
                }
                assertTrue(changedInside > 0, "guidance changed the guided classes");
            }
        }
    }

    @Test
    void batchedGuidanceEqualsPerImageGuidanceAtHalfResolution() {
        Engines.seed(13);
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray y = labels(m);
            Segmenter g = fitted(m, y);
            NDArray y2 = y.concat(y.flip(2), 0); // second image mirrored: different class regions
            NDArray xt = m.randomNormal(new Shape(2, 3, 8, 16)); // the denoiser works at half the labels' size
            NDArray mean = m.randomNormal(new Shape(2, 3, 8, 16));
            for (Arrangement a : List.of(Arrangement.LOCAL_ONLY, Arrangement.GLOBAL_ONLY)) {
                NDArray both = new SemanticGradientGuidance(g, y2, 50, a, 1, 0).guideMean(0, 10, xt, mean, 0.01);
                for (int i = 0; i < 2; i++) {
                    NDArray one = new SemanticGradientGuidance(g, y2.get(i).expandDims(0), 50, a, 1, 0)
                            .guideMean(0, 10, xt.get(i).expandDims(0), mean.get(i).expandDims(0), 0.01);
                    float diff = one.sub(both.get(i).expandDims(0)).abs().max().getFloat();
                    float moved = one.sub(mean.get(i).expandDims(0)).abs().max().getFloat();
                    assertTrue(moved > 0, a + ": image " + i + " was guided");
                    assertTrue(diff < 1e-4 * Math.max(1, moved), a + ": image " + i + " differs by " + diff);
                }
            }
        }
    }

    /**
     * The guide is the model PTL fine-tunes next: guidance must leave nothing in its gradient
     * buffers, even when its parameters are trainable (as a freshly loaded model's are).
     */
    @Test
    void guidanceLeavesNoGradientInTheSegmenter() {
        Engines.seed(14);
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray y = labels(m);
            Segmenter g = SegModels.create(SEG, m);
            var params = org.diffuda.nn.ParamNames.trainable(g);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            NDArray xt = m.randomNormal(new Shape(1, 3, 16, 32));
            for (Arrangement a : List.of(Arrangement.GLOBAL_ONLY, Arrangement.LOCAL_ONLY)) {
                NDArray moved = new SemanticGradientGuidance(g, y, 50, a, 1, 0).guideMean(0, 10, xt, xt, 0.01).sub(xt);
                assertTrue(moved.abs().max().getFloat() > 0, a + " guided the sample");
            }
            params.forEach((k, p) -> {
                NDArray w = p.getArray();
                if (w.hasGradient()) {
                    assertEquals(0f, w.getGradient().abs().max().getFloat(), 0f, k + " holds a gradient after guidance");
                }
            });
        }
    }
}
