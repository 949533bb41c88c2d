package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.methods.cicld.CicldAdaptation;
import org.diffuda.methods.cicld.CicldConfig;
import org.diffuda.methods.cicld.CicldInference;
import org.diffuda.methods.cicld.CicldObjective;
import org.diffuda.methods.cicld.Discriminator;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.Cicld;
import org.diffuda.segmentation.models.CicldModelConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Trainer;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.Teacher;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CICLD's pieces against their definitions, and its loop on the tiny benchmark. */
class CicldTest {
    static final SegModelConfig MODEL = SegModelConfig.cicld(CicldModelConfig.small());

    /** The tiny benchmark's sim/train and real/train. */
    static Dataset[] tinyBenchmark(Path tmp) {
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        return new Dataset[] {Datasets.open(tmp.resolve("b/sim/train").toString(), BadInput.strict()),
            Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict())};
    }

    /** The engine's recipe at tiny size: 2 + 2 crops of 32×64, no warm-up. */
    static UdaConfig tinyRecipe(int iterations, int checkpointEvery) {
        TrainConfig t = org.diffuda.util.Configs.with(TrainConfig.small(), "iterations", iterations, "batchSize", 2, "cropHeight", 32,
                "cropWidth", 64, "warmupIters", 0, "checkpointEvery", checkpointEvery);
        return UdaConfig.embedded().with("train", t);
    }

    /** A CICLD student, the engine around it (its EMA teacher) and the CICLD objective, all at seed 0. */
    record Loop(Segmenter student, SelfTraining engine, CicldObjective objective) {}

    static Loop loop(NDManager m, UdaConfig u) {
        Segmenter s = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(MODEL, m));
        Segmenter te = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(MODEL, m));
        SelfTraining st = new SelfTraining(s, te, u, 0);
        return new Loop(s, st, new CicldObjective(s, st.teacher(), u, CicldConfig.defaults(), 0));
    }

    @Test
    void gateAddsTheConditionScaledByTheSigmoidOfItsDotProduct() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            // one image, C = 2, two locations: o = (1, 0) and (0, 2); c = (1, -1)
            NDArray o = Tensors.create(m, new float[] {1, 0, 0, 2}, new Shape(1, 2, 1, 2));
            NDArray c = Tensors.create(m, new float[] {1, -1}, new Shape(1, 2));
            float[] g = Cicld.gate(o, c).toFloatArray(); // layout (C, W): channel 0 then channel 1
            double s1 = 1 / (1 + Math.exp(-1)), s2 = 1 / (1 + Math.exp(2)); // o·c = 1 and −2
            assertEquals(1 + s1, g[0], 1e-6);
            assertEquals(0 + s2, g[1], 1e-6);
            assertEquals(0 - s1, g[2], 1e-6);
            assertEquals(2 - s2, g[3], 1e-6);
            NDArray zero = Tensors.create(m, new float[] {0, 0}, new Shape(1, 2));
            assertArrayEquals(o.toFloatArray(), Cicld.gate(o, zero).toFloatArray(), "c = 0 leaves o as it is (unconditioned)");
        }
    }

    @Test
    void discriminatorLabelsAreSourceMixedTarget() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray fs = m.ones(new Shape(2, 4)), fm = m.ones(new Shape(3, 4)), ft = m.ones(new Shape(1, 4));
            NDArray[] b3 = CicldObjective.discriminatorBatch(fs, fm, ft, 3);
            assertArrayEquals(new long[] {0, 0, 1, 1, 1, 2}, b3[1].toLongArray());
            assertEquals(6, b3[0].getShape().get(0));
            NDArray[] b2 = CicldObjective.discriminatorBatch(fs, fm, ft, 2);
            assertArrayEquals(new long[] {0, 0, 1}, b2[1].toLongArray(), "2-class: source 0, target 1, mixed left out");
        }
    }

    @Test
    void klToUniformIsZeroWhenUndecidedAndLogKWhenSure() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            assertEquals(0, Discriminator.klToUniform(m.zeros(new Shape(4, 3))).getFloat(), 1e-6);
            NDArray sure = Tensors.create(m, new float[] {50, 0, 0}, new Shape(1, 3));
            assertEquals(Math.log(3), Discriminator.klToUniform(sure).getFloat(), 1e-4);
            // p = softmax(1, 2, 3): Σ p (log p − log 1/3)
            double[] z = {1, 2, 3};
            double zs = Math.exp(1) + Math.exp(2) + Math.exp(3), kl = 0;
            for (double v : z) {
                double p = Math.exp(v) / zs;
                kl += p * (Math.log(p) - Math.log(1.0 / 3));
            }
            assertEquals(kl, Discriminator.klToUniform(Tensors.create(m, new float[] {1, 2, 3}, new Shape(1, 3))).getFloat(), 1e-5);
        }
    }

    @Test
    void interCoderSkipConcatenatesEncoderFeaturesAtEachScale() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Cicld c = (Cicld) Generator.of(0, "init").seeded(() -> SegModels.create(MODEL, m));
            NDArray x = m.ones(new Shape(2, 3, 32, 64));
            NDArray[] enc = c.encode(x, false);
            // stem stride 2, three levels: 16@16×32, 32@8×16, 64@4×8, then z₀ 4@4×8
            assertEquals(new Shape(2, 16, 16, 32), enc[0].getShape());
            assertEquals(new Shape(2, 32, 8, 16), enc[1].getShape());
            assertEquals(new Shape(2, 64, 4, 8), enc[2].getShape());
            assertEquals(new Shape(2, 4, 4, 8), enc[3].getShape());
            Map<String, Parameter> p = ParamNames.of(c);
            // the decoder's first block at each scale takes its input plus that scale's encoder features
            assertEquals(new Shape(64, 64 + 64, 3, 3), p.get("decoder.up_blocks.0.resnets.0.conv1.weight").getArray().getShape());
            assertEquals(new Shape(32, 64 + 32, 3, 3), p.get("decoder.up_blocks.1.resnets.0.conv1.weight").getArray().getShape());
            assertEquals(new Shape(16, 32 + 16, 3, 3), p.get("decoder.up_blocks.2.resnets.0.conv1.weight").getArray().getShape());
            assertEquals(new Shape(2, 19, 32, 64), c.forward(x, null, Generator.of(0, "n"), false).logits().getShape());
            Cicld plain = (Cicld) SegModels.create(SegModelConfig.cicld(CicldModelConfig.small().with("skip", false)), m);
            assertEquals(new Shape(32, 64, 3, 3), ParamNames.of(plain).get("decoder.up_blocks.1.resnets.0.conv1.weight").getArray().getShape(),
                    "without the connection the decoder is narrower");
            assertEquals(new Shape(2, 19, 32, 64), plain.forward(x, null, Generator.of(0, "n"), false).logits().getShape());
        }
    }

    @Test
    void conditioningChangesThePredictionOnlyWhenOn() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Cicld c = (Cicld) Generator.of(0, "init").seeded(() -> SegModels.create(MODEL, m));
            NDArray x = Generator.of(1, "x").rand(m, new Shape(1, 3, 32, 64), 0, 1);
            NDArray y = m.full(new Shape(1, 32, 64), 13L, ai.djl.ndarray.types.DataType.INT64);
            NDArray cond = c.condition(y, false);
            NDArray a = c.forward(x, null, Generator.of(0, "n"), false).logits();
            NDArray b = c.forward(x, cond, Generator.of(0, "n"), false).logits();
            assertTrue(a.sub(b).abs().max().getFloat() > 1e-6, "a label map conditions the prediction");
            NDArray first = new CicldInference(c, null).run(x, false).logits();
            assertArrayEquals(first.toFloatArray(), c.run(x, false).logits().toFloatArray(),
                    "inference noise is the fixed generator's: the same prediction every time");
        }
    }

    /** A run with other settings names them in its leaderboard rows, so its seeds never pool with the default's. */
    @Test
    void aVariantNamesItsSettingsInTheRowName() {
        assertEquals("", CicldAdaptation.variant(CicldConfig.defaults(), CicldModelConfig.small()));
        assertEquals("", CicldAdaptation.variant(CicldConfig.defaults().with("test_condition", "none"), CicldModelConfig.real()),
                "the test condition is in the row name already; the real-scale shape is a default too");
        assertEquals(" [adv_weight 0.0, strength 0.5]",
                CicldAdaptation.variant(CicldConfig.defaults().with("adv_weight", 0.0), CicldModelConfig.small().with("strength", 0.5)));
    }

    /** The path diagnostic: the gate moves the middle features of a conditioned model and is absent from one built without conditioning. */
    @Test
    void thePathDiagnosticMeasuresTheGateAndTheDiffusionBranch(@TempDir Path tmp) {
        Dataset real = tinyBenchmark(tmp)[1];
        try (NDManager m = Engines.engine().newBaseManager()) {
            Cicld c = (Cicld) Generator.of(0, "init").seeded(() -> SegModels.create(MODEL, m));
            Map<String, Object> p = org.diffuda.methods.cicld.CicldPaths.measure(c, c, real, 3, 2);
            assertEquals(3, p.get("images"));
            double gate = (Double) p.get("gate_increment_over_mid_features");
            assertTrue(gate > 0 && gate < 10, "a random f_mask adds a non-zero increment: " + gate);
            double z0 = (Double) p.get("pixels_changed_if_decoder_reads_z0");
            assertTrue(z0 >= 0 && z0 <= 1, "a share of pixels: " + z0);
            assertTrue((Double) p.get("zbar_moved_from_z0") > 0, "the chain moves z0");
            Cicld plain = (Cicld) SegModels.create(SegModelConfig.cicld(CicldModelConfig.small().with("condition", false)), m);
            Map<String, Object> q = org.diffuda.methods.cicld.CicldPaths.measure(plain, c, real, 3, 2);
            assertEquals(null, q.get("gate_increment_over_mid_features"), "no gate without conditioning");
            assertEquals(null, q.get("pixels_changed_by_condition"));
        }
    }

    /** The student evaluated is the EMA of the trained weights; the two optimisers own disjoint parameters and both move. */
    @Test
    void studentIsTheEmaAndEachOptimiserStepsItsOwnParameters(@TempDir Path tmp) {
        Dataset[] data = tinyBenchmark(tmp);
        Dataset src = data[0], tgt = data[1];
        UdaConfig u = tinyRecipe(3, 500);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Loop l = loop(m, u);
            Segmenter s = l.student();
            SelfTraining st = l.engine();
            CicldObjective obj = l.objective();
            String k = "decode_head.conv_seg.weight";
            Map<Long, float[]> trained = new LinkedHashMap<>(), ema = new LinkedHashMap<>();
            float[][] disc = new float[2][];
            SelfTraining.Objective spy = new SelfTraining.Objective() {
                public String name() {
                    return obj.name();
                }

                public void register(Trainer tr) {
                    obj.register(tr);
                }

                public NDArray probabilities(Teacher teacher, NDArray xt) {
                    return obj.probabilities(teacher, xt);
                }

                public Map<String, Double> losses(Trainer.Iteration it, SelfTraining.UdaBatch b) {
                    trained.put(it.index(), ParamNames.of(s).get(k).getArray().toFloatArray());
                    ema.put(it.index(), ParamNames.of(st.teacher().model()).get(k).getArray().toFloatArray());
                    disc[0] = ParamNames.of(obj.discriminator()).get("fc2.weight").getArray().toFloatArray();
                    Map<String, Double> out = obj.losses(it, b);
                    disc[1] = ParamNames.of(obj.discriminator()).get("fc2.weight").getArray().toFloatArray();
                    return out;
                }
            };
            st.train(spy, List.of(src), List.of(tgt), tmp.resolve("ck"), "cfg", BadInput.strict(), 0);
            assertArrayEquals(trained.get(0L), ema.get(0L), "iteration 0: the EMA student starts as the trained model");
            float[] t0 = trained.get(0L), t1 = trained.get(1L), e1 = ema.get(1L), t2 = trained.get(2L), e2 = ema.get(2L);
            for (int i = 0; i < t0.length; i++) {
                assertEquals(0.5f * t0[i] + 0.5f * t1[i], e1[i], 1e-6f, "α_1 = 0.5");
                assertEquals((2f / 3) * e1[i] + (1f / 3) * t2[i], e2[i], 1e-6f, "α_2 = 2/3");
            }
            assertFalse(java.util.Arrays.equals(t1, t2), "the model's optimiser moved the model");
            assertFalse(java.util.Arrays.equals(disc[0], disc[1]), "the discriminator's optimiser moved the discriminator");
            Set<String> modelKeys = ParamNames.of(s).keySet(), discKeys = new HashSet<>();
            ParamNames.of(obj.discriminator()).values().forEach(p -> discKeys.add(p.getId()));
            for (Parameter p : ParamNames.of(s).values()) {
                assertFalse(discKeys.contains(p.getId()), "no parameter is in both groups");
            }
            assertTrue(modelKeys.stream().noneMatch(x -> x.startsWith("fc")), "the discriminator is not part of the segmenter");
            Segmenter inf = obj.inference(s, st.teacher());
            assertSame(ParamNames.of(st.teacher().model()).get(k).getArray(), ParamNames.of(inf).get("student." + k).getArray(),
                    "the model evaluated is the EMA student");
        }
    }

    /** A discriminator at or above win_accuracy over the last tenth is reported as an outright win; one near chance is not. */
    @Test
    void anOutrightDiscriminatorWinIsDetectedAndReported() {
        UdaConfig u = tinyRecipe(1, 500);
        try (NDManager m = Engines.engine().newBaseManager()) {
            CicldObjective obj = loop(m, u).objective();
            for (double lastTenth : new double[] {1.0, 0.4}) {
                List<Trainer.Record> h = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    double acc = i < 90 ? 0.34 : lastTenth; // only the last tenth counts
                    h.add(new Trainer.Record(i, Map.of("loss", 1.0, "disc_acc", acc, "kl_uniform", 0.01), 1e-3));
                }
                Map<?, ?> a = (Map<?, ?>) obj.summary(new Trainer.Result(h, 1, 0, 0)).get("adversarial");
                boolean won = lastTenth >= CicldConfig.defaults().winAccuracy();
                assertEquals(won, a.get("discriminator_wins"), "accuracy " + lastTenth);
                assertEquals(lastTenth, (Double) a.get("disc_acc_last_tenth"), 1e-12);
                assertEquals(won, ((String) a.get("verdict")).startsWith("the discriminator won outright"), (String) a.get("verdict"));
            }
        }
    }

    @Test
    void aKilledRunResumesToTheSameBytesDiscriminatorIncluded(@TempDir Path tmp) {
        Dataset[] data = tinyBenchmark(tmp);
        Dataset src = data[0], tgt = data[1];
        UdaConfig u = tinyRecipe(3, 1);
        float[][] w = new float[2][], d = new float[2][];
        for (int run = 0; run < 2; run++) {
            Path ck = tmp.resolve("ck" + run);
            for (int part = run == 0 ? 1 : 0; part < 2; part++) {
                try (NDManager m = Engines.engine().newBaseManager()) {
                    Segmenter s = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(MODEL, m));
                    Segmenter te = Generator.of(0, "init:segmenter").seeded(() -> SegModels.create(MODEL, m));
                    SelfTraining st = new SelfTraining(s, te, u, 0);
                    CicldObjective obj = new CicldObjective(s, st.teacher(), u, CicldConfig.defaults(), 0);
                    st.train(obj, List.of(src), List.of(tgt), ck, "cfg", BadInput.strict(), part == 0 ? 1 : 0); // run 1: killed after 1
                    w[run] = ParamNames.of(st.teacher().model()).get("decode_head.conv_seg.weight").getArray().toFloatArray();
                    d[run] = ParamNames.of(obj.discriminator()).get("fc1.weight").getArray().toFloatArray();
                }
            }
        }
        assertArrayEquals(w[0], w[1], "1 + 2 resumed iterations = 3 straight (the EMA student)");
        assertArrayEquals(d[0], d[1], "the discriminator and its optimiser are checkpointed too");
    }

    @Test
    void theRealScaleShapeBuilds() {
        Segmenter s = SegModels.build(SegModelConfig.cicld(CicldModelConfig.real()));
        assertEquals("cicld", s.config().arch());
    }

    @Test
    void theTableRunsResumesAndRefusesAnotherConfiguration(@TempDir Path tmp) throws Exception {
        tinyBenchmark(tmp);
        UdaConfig u = tinyRecipe(2, 500);
        SegModelConfig base = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
        Path out = tmp.resolve("out");
        CicldAdaptation.Spec s = new CicldAdaptation.Spec(tmp.resolve("b/sim/train").toString(), tmp.resolve("b/real/train").toString(),
                tmp.resolve("b/real/val").toString(), out, base, CicldModelConfig.small(), u, CicldConfig.defaults(), List.of(0L), null,
                List.of("daformer", "cicld", "2-class"), new Evaluator.Options("whole", 512, 512, 256, 256, 4), false, BadInput.strict());
        Map<String, Object> m = CicldAdaptation.run(s);
        Map<?, ?> rows = (Map<?, ?>) m.get("rows");
        assertEquals(Set.of("daformer", "cicld", "2-class"), rows.keySet());
        Map<?, ?> c = (Map<?, ?>) rows.get("cicld");
        assertTrue(c.containsKey("miou19_mean") && c.containsKey("test_condition_none"), "both test-time conditions are measured");
        assertTrue(((List<?>) c.get("adversarial")).get(0) instanceof Map<?, ?> a && a.containsKey("discriminator_wins"));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        List<?> results = (List<?>) Json.readFile(out.resolve("metrics.json"), Map.class).get("results");
        assertEquals(4, results.size(), "daformer, CICLD teacher / none, 2-class in the shared schema");
        String before = Files.readString(out.resolve("cicld-s0/metrics.json"));
        CicldAdaptation.run(new CicldAdaptation.Spec(s.source(), s.target(), s.val(), out, base, s.model(), u, s.cicld(), s.seeds(), null,
                s.arms(), s.eval(), true, BadInput.strict()));
        assertEquals(before, Files.readString(out.resolve("cicld-s0/metrics.json")), "a finished row is read, not redone");
        assertThrows(DiffudaException.class, () -> CicldAdaptation.run(new CicldAdaptation.Spec(s.source(), s.target(), s.val(), out, base,
                s.model(), u, s.cicld().with("adv_weight", 0.5), s.seeds(), null, s.arms(), s.eval(), true, BadInput.strict())));
        assertNotEquals(0, results.size());
    }
}
