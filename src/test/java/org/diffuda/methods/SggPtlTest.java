package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Classes;
import org.diffuda.data.Dataset;
import org.diffuda.data.Readers;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.diffusion.schedulers.NoiseSchedule;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.methods.sggptl.NoisyMaskedAugment;
import org.diffuda.methods.sggptl.SggPtl;
import org.diffuda.methods.sggptl.SggPtlConfig;
import ai.djl.ndarray.types.DataType;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.SegTrainer;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole method on the tiny benchmark: outputs, and a killed run resuming to the same weights. */
class SggPtlTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void world() {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("bench"), BenchmarkConfig.tiny());
    }

    static SggPtl.Spec spec(Path out, SggPtlConfig c) {
        Path b = tmp.resolve("bench");
        TrainConfig g0 = new TrainConfig(4, 2, 32, 64, 1, 1, "adamw", 1e-3, 0.01, 0, 1, 1.0, 10, 0, false, 1.0, 2);
        return new SggPtl.Spec(b.resolve("sim/train").toString(), b.resolve("real/train").toString(),
                b.resolve("real/val").toString(), out, null, null, SemanticGradientGuidanceTest.SEG, g0, c, 3,
                Evaluator.Options.whole(), BadInput.strict(), (target, dir, seed, bad) -> PixelDdpm.train(target, dir,
                        SemanticGradientGuidanceTest.UNET, SchedulerConfig.ddpm(),
                        new DiffusionTrainConfig(3, 2, 16, 32, 5e-4, 0, 1, 0.999, 0, 1, 2), seed, bad), true);
    }

    /** N = 20 in two stages, reverse steps ≤ 5 apart, K = 3, 4 images at 16×32. */
    static SggPtlConfig tiny() {
        return new SggPtlConfig(20, 10, 5, 3, 1e-3, 0.5, "alternate", 4, 16, 32, 0.5, true, true, true, 2, "fixed_small");
    }

    static Map<String, Safetensors.Tensor> weights(Path model) {
        return Safetensors.read(model.resolve("model.safetensors")).tensors();
    }

    @Test
    void runsEndToEndAndResumesAKilledRunToTheSameWeights() throws Exception {
        Path a = tmp.resolve("a");
        SggPtl.Result ra = SggPtl.run(spec(a, tiny()));
        assertEquals(List.of(10, 20), ra.stages().stream().map(SggPtl.Stage::n).toList());
        assertNotNull(ra.result(), "evaluated on the validation split");
        for (String f : List.of("metrics.json", "report.html", "domains.png", "model/model.safetensors", "denoiser/unet/config.json",
                "g0/model/model.safetensors")) {
            assertTrue(Files.isRegularFile(a.resolve(f)), f);
        }
        // the translated dataset: folder layout, the source's labels
        Dataset translated = Readers.folder(a.resolve("translated"), BadInput.strict());
        Dataset source = Readers.folder(tmp.resolve("bench/sim/train"), BadInput.strict());
        assertEquals(4, translated.size());
        for (int i = 0; i < translated.size(); i++) {
            var t = translated.load(i);
            int src = -1;
            for (int j = 0; j < source.size(); j++) {
                if (source.id(j).equals(t.id())) {
                    src = j;
                }
            }
            assertArrayEquals(source.load(src).label(), t.label(), "labels of " + t.id());
        }

        // b: the same run killed during the last stage (its stage.json and outputs never written)
        Path b = tmp.resolve("b");
        SggPtl.run(spec(b, tiny()));
        String first = Files.readString(b.resolve("stages/n-0010/stage.json"));
        org.diffuda.util.AtomicFiles.deleteRecursively(b.resolve("stages/n-0020/model"));
        Files.delete(b.resolve("stages/n-0020/stage.json"));
        org.diffuda.util.AtomicFiles.deleteRecursively(b.resolve("model"));
        org.diffuda.util.AtomicFiles.deleteRecursively(b.resolve("translated"));
        SggPtl.Result rb = SggPtl.run(spec(b, tiny()));
        assertEquals(first, Files.readString(b.resolve("stages/n-0010/stage.json")), "the finished stage was not run again");
        var wa = weights(a.resolve("model"));
        var wb = weights(b.resolve("model"));
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).data(), wb.get(k).data(), k);
        }
        assertEquals(ra.result().miou19(), rb.result().miou19(), 1e-9);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.diffuda.util.DiffudaException.class,
                () -> SggPtl.run(spec(b, tiny().withFinetune(4, 1e-3))));
        assertTrue(e.getMessage().contains("another configuration") && e.getMessage().contains("config.finetune"), e.getMessage());
        SggPtl.Spec fresh = spec(b, tiny());
        var noResume = org.junit.jupiter.api.Assertions.assertThrows(org.diffuda.util.DiffudaException.class,
                () -> SggPtl.run(new SggPtl.Spec(fresh.source(), fresh.target(), fresh.val(), b, fresh.denoiser(), fresh.g0(),
                        fresh.model(), fresh.g0Train(), fresh.cfg(), fresh.seed(), fresh.eval(), fresh.bad(), fresh.denoiserTraining(), false)));
        assertTrue(noResume.getMessage().contains("pass --resume"), noResume.getMessage());
    }

    /**
     * g_n guides the next stage, so stage fine-tuning keeps the noisy/masked augmentation: with g₀,
     * the denoiser and the stage's translated images shared, only the noised share differs, and
     * the fine-tuned weights must differ with it. (The translated folder is copied rather than
     * re-made: two identical guided translations once differed by a grey level.)
     */
    @Test
    void stageFineTuningKeepsTheNoisyMaskedAugmentation() throws Exception {
        Path none = tmp.resolve("aug-none"), all = tmp.resolve("aug-all");
        SggPtlConfig c = tiny().withMaxSteps(10, 10, 5);
        SggPtl.run(spec(none, withNoisyFraction(c, 0)));
        org.diffuda.util.AtomicFiles.copyTree(none.resolve("stages/n-0010/translated"), all.resolve("stages/n-0010/translated"));
        SggPtl.Spec s = spec(all, withNoisyFraction(c, 1));
        SggPtl.run(new SggPtl.Spec(s.source(), s.target(), s.val(), all, none.resolve("denoiser"), none.resolve("g0"), s.model(),
                s.g0Train(), s.cfg(), s.seed(), s.eval(), s.bad(), s.denoiserTraining(), s.resume()));
        var wa = weights(none.resolve("model"));
        var wb = weights(all.resolve("model"));
        boolean differ = wa.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(wa.get(k).data(), wb.get(k).data()));
        assertTrue(differ, "fine-tuning with every image noised/masked must train other weights than with none");
    }

    static SggPtlConfig withNoisyFraction(SggPtlConfig c, double f) {
        return new SggPtlConfig(c.maxSteps(), c.stageStride(), c.stepStride(), c.finetuneIters(), c.finetuneLr(), c.lambda(),
                c.arrangement(), c.translateImages(), c.translateHeight(), c.translateWidth(), f, c.guided(), c.progressive(),
                c.sourceTerm(), c.batch(), c.variance());
    }

    @Test
    void stagesFollowTheStride() {
        assertEquals(List.of(100, 200, 300), SggPtlConfig.small().stages());
        assertEquals(List.of(300), SggPtlConfig.small().withProgressive(false).stages());
        assertEquals(List.of(4, 8, 10), tiny().withMaxSteps(10, 4, 1).stages());
        assertEquals(600, SggPtlConfig.real().stages().size());
        assertEquals(450, SggPtlConfig.small().singleStage().finetuneIters());
    }

    @Test
    void augmentNoisesAndMasksAShareOfTheBatchDeterministically() {
        Engines.seed(1);
        try (NDManager m = Engines.engine().newBaseManager()) {
            int n = 64;
            NDArray x = m.full(new Shape(n, 3, 4, 8), 0.5f);
            long[] lab = new long[n * 32];
            for (int i = 0; i < lab.length; i++) {
                lab[i] = (i % 8) < 4 ? 0 : 13;
            }
            NDArray y = m.create(lab, new Shape(n, 4, 8));
            NoisyMaskedAugment aug = new NoisyMaskedAugment(new NoiseSchedule(SchedulerConfig.ddpm()), 0.25, 300);
            NDArray[] r1 = aug.apply(x, y, org.diffuda.util.Generators.of(5, 7));
            NDArray[] r2 = aug.apply(x, y, org.diffuda.util.Generators.of(5, 7));
            assertArrayEquals(r1[0].toFloatArray(), r2[0].toFloatArray(), 0f, "same (seed, iteration), same batch");
            assertArrayEquals(r1[1].toLongArray(), r2[1].toLongArray());
            int changed = 0, masked = 0;
            for (int i = 0; i < n; i++) {
                float[] img = r1[0].get(i).toFloatArray();
                long[] l = r1[1].get(i).toLongArray();
                boolean noisy = false;
                for (float v : img) {
                    noisy |= v != 0.5f;
                }
                changed += noisy ? 1 : 0;
                boolean isMasked = false;
                for (int p = 0; p < l.length; p++) {
                    if (l[p] == Classes.IGNORE) {
                        isMasked = true;
                        assertEquals(0f, img[p], 0f, "masked-out pixels are black");
                    }
                }
                masked += isMasked ? 1 : 0;
                assertTrue(!isMasked || noisy, "only noised images are masked");
            }
            assertTrue(changed >= 8 && changed <= 26, "about a quarter noised: " + changed);
            assertTrue(masked >= 1 && masked < changed, "about half of those masked: " + masked + " of " + changed);
        }
    }

    @Test
    void aDenoiserContinuesFromAnotherFolder() {
        Path b = tmp.resolve("bench");
        List<Dataset> target = List.of(Readers.folder(b.resolve("real/train"), BadInput.strict()));
        Path first = tmp.resolve("ddpm-a"), cont = tmp.resolve("ddpm-b");
        PixelDdpm.train(target, first, SemanticGradientGuidanceTest.UNET, SchedulerConfig.ddpm(),
                new DiffusionTrainConfig(2, 2, 16, 32, 5e-4, 0, 1, 0.999, 0, 1, 2), 1, BadInput.strict());
        // lr 0: one more iteration must leave the loaded weights exactly as they were
        PixelDdpm.train(target, cont, SemanticGradientGuidanceTest.UNET, SchedulerConfig.ddpm(),
                new DiffusionTrainConfig(1, 2, 16, 32, 0, 0, 1, 0.999, 0, 0, 2), 2, BadInput.strict(), first);
        Map<String, Safetensors.Tensor> wa = Safetensors.read(first.resolve("unet/diffusion_pytorch_model.safetensors")).tensors();
        Map<String, Safetensors.Tensor> wb = Safetensors.read(cont.resolve("unet/diffusion_pytorch_model.safetensors")).tensors();
        assertEquals(wa.keySet(), wb.keySet());
        wa.forEach((k, t) -> assertArrayEquals(t.toFloats(), wb.get(k).toFloats(), 0f, k));
    }

    /** A backward pass before training (SGG's, through the same g) must not leak into the first step. */
    @Test
    void fineTuningIgnoresGradientsLeftByEarlierBackwardPasses() {
        Path b = tmp.resolve("bench");
        List<Dataset> sim = List.of(Readers.folder(b.resolve("sim/train"), BadInput.strict()));
        TrainConfig tc = new TrainConfig(2, 2, 32, 64, 1, 1, "adamw", 1e-3, 0.01, 0, 1, 1.0, 10, 0, false, 1.0, 2);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Engines.seed(5);
            Segmenter clean = SegModels.create(SemanticGradientGuidanceTest.SEG, m);
            Engines.seed(5);
            Segmenter stale = SegModels.create(SemanticGradientGuidanceTest.SEG, m);
            var params = org.diffuda.nn.ParamNames.trainable(stale);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, 32, 64));
            try (var gc = Engines.engine().newGradientCollector()) {
                gc.backward(Losses.crossEntropySum(stale.logits(x, false), m.zeros(new Shape(1, 32, 64), DataType.INT64)));
            }
            new SegTrainer(clean, tc, 9).train(sim, tmp.resolve("ft-clean"), Map.of(), BadInput.strict(), 0);
            new SegTrainer(stale, tc, 9).train(sim, tmp.resolve("ft-stale"), Map.of(), BadInput.strict(), 0);
            Map<String, Safetensors.Tensor> a = StateDict.of(clean), s2 = StateDict.of(stale);
            a.forEach((k, t) -> assertArrayEquals(t.toFloats(), s2.get(k).toFloats(), 0f, k));
        }
    }
}
