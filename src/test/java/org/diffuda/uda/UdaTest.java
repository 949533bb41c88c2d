package org.diffuda.uda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of the DAFormer engine, each against its definition. */
class UdaTest {
    static final SegModelConfig SEG = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);

    @Test
    void teacherStartsAsTheStudentThenFollowsWithTheWarmDecay() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter s = Generator.of(1, "s").seeded(() -> SegModels.create(SEG, m));
            Segmenter t = Generator.of(2, "t").seeded(() -> SegModels.create(SEG, m));
            Teacher teacher = new Teacher(t, 0.999);
            assertEquals(0.0, teacher.decay(0));
            assertEquals(0.5, teacher.decay(1), 1e-12);
            assertEquals(0.999, teacher.decay(5000), 1e-12);
            teacher.update(s, 0);
            String k = "decode_head.conv_seg.weight";
            float[] s0 = ParamNames.of(s).get(k).getArray().toFloatArray();
            assertArrayEquals(s0, ParamNames.of(t).get(k).getArray().toFloatArray(), "α_0 = 0: the teacher is the student");
            NDArray w = ParamNames.of(s).get(k).getArray();
            Tensors.copyInto(w, Tensors.affine(w, 1, 1)); // the student moves by +1
            teacher.update(s, 1); // α_1 = 0.5
            float[] t1 = ParamNames.of(t).get(k).getArray().toFloatArray();
            for (int i = 0; i < s0.length; i++) {
                assertEquals(s0[i] + 0.5f, t1[i], 1e-6f);
            }
        }
    }

    @Test
    void pseudoLabelWeightIsTheConfidentPixelFraction() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            // 1 image, 2 classes, 2x2 pixels: max probabilities 0.99, 0.97, 0.6, 0.9 -> 2 of 4 reach 0.968
            float[] p = {0.99f, 0.03f, 0.4f, 0.1f, 0.01f, 0.97f, 0.6f, 0.9f};
            NDArray probs = Tensors.create(m, p, new Shape(1, 2, 2, 2));
            PseudoLabels pl = PseudoLabels.of(probs, 0.968, 0, 0);
            assertEquals(0.5, pl.confident(), 1e-6);
            assertArrayEquals(new long[] {0, 1, 1, 1}, pl.labels().toLongArray());
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, pl.weight().toFloatArray());
            PseudoLabels rows = PseudoLabels.of(probs, 0.968, 1, 0);
            assertArrayEquals(new float[] {0f, 0f, 0.5f, 0.5f}, rows.weight().toFloatArray(), "the top row is ignored");
        }
    }

    @Test
    void classMixPastesHalfTheClassesConsistentlyAndNeverIgnorePixels() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            int h = 4, w = 4;
            int[] label = {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 255, 255, 2, 2, 255, 255}; // classes 0, 1, 2 and ignore
            int[] chosen = ClassMix.chooseClasses(label, new Random(3));
            assertEquals(2, chosen.length, "ceil(3 / 2) classes");
            float[] mask = ClassMix.masks(List.of(label), new Random(3));
            NDArray src = Tensors.create(m, new float[3 * h * w], new Shape(1, 3, h, w)).add(Tensors.scalar(m.ones(new Shape(1)), 1)); // ones
            NDArray tgt = m.zeros(new Shape(1, 3, h, w));
            long[] srcLabels = java.util.Arrays.stream(label).asLongStream().toArray();
            NDArray ys = Tensors.create(m, srcLabels, new Shape(1, h, w));
            PseudoLabels pl = new PseudoLabels(m.full(new Shape(1, h, w), 7).toType(ai.djl.ndarray.types.DataType.INT64, false),
                    m.full(new Shape(1, h, w), 0.25f), 0.25);
            ClassMix.Mixed mx = ClassMix.mix(src, ys, tgt, pl, mask);
            float[] img = mx.images().toFloatArray(), wt = mx.weights().toFloatArray();
            long[] lab = mx.labels().toLongArray();
            java.util.Set<Integer> picked = new java.util.HashSet<>();
            for (int c : chosen) {
                picked.add(c);
            }
            for (int px = 0; px < h * w; px++) {
                boolean pasted = label[px] != 255 && picked.contains(label[px]);
                assertEquals(pasted ? 1f : 0f, mask[px]);
                assertEquals(pasted ? 1f : 0f, img[px], "image from the source where pasted, the target elsewhere");
                assertEquals(pasted ? label[px] : 7, lab[px], "label from the source where pasted, the pseudo-label elsewhere");
                assertEquals(pasted ? 1f : 0.25f, wt[px]);
                assertTrue(lab[px] != 255, "ignore pixels are never pasted");
            }
        }
    }

    @Test
    void rcsProbabilitiesAreTheSoftmaxOfOneMinusFrequencyOverT() {
        // hand-made: two images, classes 0 (road) and 13 (car) and 18 (bicycle)
        long[][] px = new long[2][19];
        px[0][0] = 900;
        px[0][13] = 90;
        px[1][0] = 1000;
        px[1][18] = 10;
        ClassStats s = new ClassStats(px, 2000);
        double[] f = s.frequencies();
        assertEquals(1900 / 2000.0, f[0], 1e-12);
        assertEquals(90 / 2000.0, f[13], 1e-12);
        boolean[] usable = new boolean[19];
        usable[0] = usable[13] = usable[18] = true;
        double[] p = ClassStats.probabilities(f, usable, 0.01);
        double e0 = Math.exp((1 - f[0]) / 0.01), e13 = Math.exp((1 - f[13]) / 0.01), e18 = Math.exp((1 - f[18]) / 0.01);
        double z = e0 + e13 + e18;
        assertEquals(e0 / z, p[0], 1e-12);
        assertEquals(e13 / z, p[13], 1e-12);
        assertEquals(e18 / z, p[18], 1e-12);
        assertEquals(0.0, p[5], "absent classes are never drawn");
        assertTrue(p[18] > p[13] && p[13] > p[0], "rarer classes are drawn more often");
        assertEquals(List.of(0), s.eligible(50).get(13), "only image 0 holds >= 50 car pixels");
    }

    @Test
    void featureDistanceCountsThingCellsOnlyAndIsZeroWithoutThem() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            // labels 2x4 -> a 1x2 feature grid of 2x2 cells: left cell all car (13, a thing), right cell road (0)
            long[] l = {13, 13, 0, 0, 13, 13, 0, 0};
            NDArray labels = Tensors.create(m, l, new Shape(1, 2, 4));
            NDArray fs = Tensors.create(m, new float[] {3, 5, 0, 1}, new Shape(1, 2, 1, 2)); // channels x cells
            NDArray fi = Tensors.create(m, new float[] {0, 1, 4, 1}, new Shape(1, 2, 1, 2));
            // left cell: |(3, 0) - (0, 4)| = 5; the right cell is stuff and does not count
            assertEquals(5f, FeatureDistance.of(fs, fi, labels).getFloat(), 1e-5f);
            long[] stuff = {0, 0, 10, 10, 255, 255, 10, 10};
            NDArray none = FeatureDistance.of(fs, fi, Tensors.create(m, stuff, new Shape(1, 2, 4)));
            assertEquals(0f, none.getFloat(), "no thing cell: 0, not NaN");
            long[] mixed = {13, 0, 0, 0, 13, 13, 0, 0}; // 3 of 4 car pixels = 75%: dominant
            assertEquals(5f, FeatureDistance.of(fs, fi, Tensors.create(m, mixed, new Shape(1, 2, 4))).getFloat(), 1e-5f);
        }
    }

    @Test
    void aResumedRunEndsAtTheSameWeights(@TempDir Path tmp) {
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        Dataset src = Datasets.open(tmp.resolve("b/sim/train").toString(), BadInput.strict());
        Dataset tgt = Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict());
        TrainConfig t = org.diffuda.util.Configs.with(TrainConfig.small(), "iterations", 4, "batchSize", 2, "cropHeight", 32,
                "cropWidth", 64, "checkpointEvery", 2, "warmupIters", 0);
        UdaConfig c = UdaConfig.embedded().with("train", t);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager m = Engines.engine().newBaseManager()) {
                Path ck = tmp.resolve("ck" + run);
                Segmenter s = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(SEG, m));
                Segmenter te = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(SEG, m));
                if (run == 1) {
                    new SelfTraining(s, te, c, 0).train(List.of(src), List.of(tgt), ck, "cfg", BadInput.strict(), 2);
                    s = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(SEG, m));
                    te = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(SEG, m));
                }
                new SelfTraining(s, te, c, 0).train(List.of(src), List.of(tgt), ck, "cfg", BadInput.strict(), 0);
                w[run] = ParamNames.of(s).get("decode_head.conv_seg.weight").getArray().toFloatArray();
            }
        }
        assertArrayEquals(w[0], w[1], "2 + 2 resumed iterations = 4 straight");
    }
}
