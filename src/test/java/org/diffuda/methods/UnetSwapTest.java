package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.diffuda.data.BadInput;
import org.diffuda.data.Classes;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.PipelineIoTest;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.pipelines.LayoutCondition;
import org.diffuda.methods.unetswap.SmallComponents;
import org.diffuda.methods.unetswap.SwapConfig;
import org.diffuda.methods.unetswap.SwapGeneration;
import org.diffuda.methods.unetswap.UnetSwap;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.uda.ClassStats;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** U-Net swap: the condition, the prompt, RCS crops, SCR's paste, the swap itself, and the whole run on tiny models. */
class UnetSwapTest {
    @Test
    void oneHotHasAnOtherChannelForIgnoredPixels() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            int[] lab = {0, 5, 255, 18, 255, 11};
            NDArray y = Tensors.create(m, lab, new Shape(1, 2, 3), DataType.INT64);
            NDArray c = LayoutCondition.encode(y, "onehot-other");
            assertEquals(new Shape(1, 20, 2, 3), c.getShape());
            assertEquals(20, LayoutCondition.channels("onehot-other"));
            float[] v = c.toFloatArray();
            for (int px = 0; px < lab.length; px++) {
                for (int ch = 0; ch < 20; ch++) {
                    float want = (lab[px] == 255 ? ch == 19 : ch == lab[px]) ? 1f : 0f;
                    assertEquals(want, v[ch * 6 + px], "pixel " + px + " channel " + ch);
                }
            }
            assertEquals("onehot-other", LayoutCondition.forChannels(20));
            assertEquals("onehot", LayoutCondition.forChannels(19));
        }
    }

    @Test
    void eachImageIsCaptionedByItsOwnTextElseTheRecipe() {
        int[] lab = {13, 13, 0};
        org.diffuda.data.Batch b = new org.diffuda.data.Batch(java.util.List.of(new org.diffuda.data.Sample("scene_1", 1, 3, new float[9], lab),
                new org.diffuda.data.Sample("00007", 1, 3, new float[9], lab)), 1, 3);
        java.util.Map<String, String> own = java.util.Map.of("scene_1", "driving in snow");
        org.diffuda.diffusion.training.ControlNetTraining.Recipe plain = new org.diffuda.diffusion.training.ControlNetTraining.Recipe(false, false, null, 0, null);
        org.diffuda.diffusion.training.ControlNetTraining.Recipe names = new org.diffuda.diffusion.training.ControlNetTraining.Recipe(true, false, null, 0, null);
        assertEquals(java.util.List.of("driving in snow", "a photo of a street"), org.diffuda.diffusion.training.ControlNetTraining.captions(b, own, plain, "a photo of a street"));
        assertEquals(java.util.List.of("driving in snow", "car, road"), org.diffuda.diffusion.training.ControlNetTraining.captions(b, own, names, "x"));
        assertEquals(java.util.List.of("car, road", "car, road"), org.diffuda.diffusion.training.ControlNetTraining.captions(b, null, names, "x"));
    }

    @Test
    void thePromptNamesTheClassesPresentMostPixelsFirst() {
        int[] lab = {13, 13, 13, 0, 0, 0, 0, 10, 255, 255, 255, 255, 255, 11};
        assertEquals("road, car, sky, person", LayoutCondition.classNames(lab));
        assertEquals("", LayoutCondition.classNames(new int[] {255, 255}), "ignored pixels name nothing");
        assertEquals("sidewalk, building", LayoutCondition.classNames(new int[] {2, 1}), "ties by train id");
    }

    @Test
    void rareClassCropsHoldTheSampledClass(@TempDir Path tmp) {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Dataset sim = Datasets.open(tmp.resolve("b/sim/train").toString(), BadInput.strict());
        ClassStats stats = ClassStats.of(sim);
        var sampler = stats.sampler(0.01, 3000);
        Transforms.ClassAware crop = Transforms.classCrop(8, 16, (s, r) -> s);
        int checked = 0;
        for (long it = 0; it < 10; it++) {
            for (int[] pick : sampler.pick(it, 4, new Random(it))) {
                assertEquals(3, pick.length, "the pick carries the drawn class");
                Sample s = crop.apply(sim.load(pick[1]), pick[2], new Random(it * 31 + pick[1]));
                assertEquals(8 * 16, s.label().length);
                assertTrue(Arrays.stream(s.label()).anyMatch(v -> v == pick[2]), "crop holds class " + Classes.NAMES[pick[2]]);
                checked++;
            }
        }
        assertEquals(40, checked);
        SwapConfig c = SwapConfig.defaults().with("count", 12);
        for (SwapGeneration.Pick p : SwapGeneration.picks(sim, stats, c, 8, 16, 3)) {
            Sample s = Transforms.crop(sim.load(p.source()), p.y0(), p.x0(), 8, 16);
            assertTrue(Arrays.stream(s.label()).anyMatch(v -> v == p.cls()), "generation pick " + p.id() + " holds its class");
        }
        assertEquals(SwapGeneration.picks(sim, stats, c, 8, 16, 3).subList(0, 5), SwapGeneration.picks(sim, stats, c.with("count", 5), 8, 16, 3),
                "pick k depends on (seed, k) only: a larger count extends a smaller one");
    }

    @Test
    void refinementPastesOnlyInsideTheComponent() {
        int h = 16, w = 32;
        int[] lab = new int[h * w];
        Arrays.fill(lab, 0);
        for (int y = 0; y < 4; y++) {
            Arrays.fill(lab, y * w, y * w + w, 10); // a sky band: large
        }
        int[][] person = {{8, 20}, {9, 20}, {9, 21}, {10, 22}}; // 8-connected through the diagonal (9,21)-(10,22)
        for (int[] p : person) {
            lab[p[0] * w + p[1]] = 11;
        }
        lab[14 * w + 3] = 13; // a one-pixel car
        List<SmallComponents.Component> small = SmallComponents.find(lab, h, w, 10);
        assertEquals(2, small.size(), "the car and the person; road and sky are large");
        assertEquals(13, small.get(0).cls(), "smallest first");
        SmallComponents.Component p = small.get(1);
        assertEquals(4, p.size(), "diagonal neighbours join one component");
        SmallComponents.Window win = SmallComponents.window(p, h, w, 4);
        assertTrue(win.y0() <= p.y0() && win.x0() <= p.x0() && win.y0() + win.h() >= p.y1() && win.x0() + win.w() >= p.x1(), "window holds the component");
        assertTrue(win.y0() >= 0 && win.x0() >= 0 && win.y0() + win.h() <= h && win.x0() + win.w() <= w, "inside the image");
        int[] up = SmallComponents.upsampleLabel(lab, w, win, h, w);
        assertTrue(Arrays.stream(up).filter(v -> v == 11).count() >= 4L * (h / win.h()) * (w / win.w()), "the component is enlarged");
        float[] img = new float[3 * h * w];
        Random r = new Random(5);
        for (int i = 0; i < img.length; i++) {
            img[i] = r.nextFloat();
        }
        float[] before = img.clone();
        float[] patch = new float[3 * win.h() * win.w()];
        Arrays.fill(patch, 2f);
        SmallComponents.paste(img, h, w, p, win, patch);
        java.util.Set<Integer> inside = new java.util.HashSet<>();
        for (int i : p.pixels()) {
            inside.add(i);
        }
        for (int ch = 0; ch < 3; ch++) {
            for (int i = 0; i < h * w; i++) {
                if (inside.contains(i)) {
                    assertEquals(2f, img[ch * h * w + i], "component pixel " + i + " pasted");
                } else {
                    assertEquals(before[ch * h * w + i], img[ch * h * w + i], "pixel " + i + " outside the component unchanged");
                }
            }
        }
    }

    /** The tiny pipeline with a 20-channel (19 + other) ControlNet whose zero convolutions are made non-zero. */
    static Path tinyPipeline(Path dir) {
        Engines.seed(13);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineIoTest.tiny(m);
            ControlNetModel cn = new ControlNetModel(p.unet().config().asControlNet(20, List.of(4, 8))).init(m, Generator.of(13, "init"));
            cn.copyFrom(p.unet());
            Generator g = Generator.of(13, "perturb");
            ParamNames.of(cn).forEach((k, v) -> v.getArray().addi(g.randn(m, v.getArray().getShape()).mul(Tensors.scalar(v.getArray(), 0.05))));
            PipelineFolder.save(dir, new PipelineFolder.StableDiffusion(p.unet(), p.vae(), p.textEncoder(), p.tokenizer(), p.scheduler(), cn), false);
        }
        return dir;
    }

    @Test
    void swappingTheUnetLeavesTheControlNetUntouched(@TempDir Path tmp) {
        Path sd = tinyPipeline(tmp.resolve("sd"));
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(sd, m);
            ControlNetModel cn = p.controlnet();
            UNet2DConditionModel other = PipelineFolder.loadUNet(sd, m, null, p.unet().config());
            Generator g = Generator.of(2, "other unet");
            ParamNames.of(other).forEach((k, v) -> v.getArray().addi(g.randn(m, v.getArray().getShape()).mul(Tensors.scalar(v.getArray(), 0.1))));
            Map<String, float[]> cnBefore = snapshot(cn), unetBefore = snapshot(p.unet());
            int[] lab = new int[2 * 8 * 16];
            for (int i = 0; i < lab.length; i++) {
                lab[i] = i % 7 == 0 ? 255 : (i / 16) % 19;
            }
            NDArray y = Tensors.create(m, lab, new Shape(2, 8, 16), DataType.INT64);
            SwapConfig c = SwapConfig.defaults().with("steps", 3);
            List<String> prompts = List.of("road, car", "sky");
            float[] a = SwapGeneration.generate(p, cn, y, prompts, c, Generator.of(1, "x"), m).toFloatArray();
            float[] b = SwapGeneration.generate(p.withUnet(other), cn, y, prompts, c, Generator.of(1, "x"), m).toFloatArray();
            assertFalse(Arrays.equals(a, b), "the swapped U-Net generates something else");
            snapshot(cn).forEach((k, v) -> assertArrayEquals(cnBefore.get(k), v, "ControlNet " + k + " untouched by the swap"));
            snapshot(p.unet()).forEach((k, v) -> assertArrayEquals(unetBefore.get(k), v, "the base U-Net untouched"));
            assertThrows(DiffudaException.class, () -> PipelineFolder.loadUNet(tmp, m, null, p.unet().config()), "not a U-Net folder");
        }
    }

    private static Map<String, float[]> snapshot(ai.djl.nn.Block b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        ParamNames.of(b).forEach((k, v) -> out.put(k, v.getArray().toFloatArray()));
        return out;
    }

    @Test
    void theWholeRunTrainsItsModelsGeneratesResumesAndRefusesAnotherConfiguration(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Path sd = tinyPipeline(tmp.resolve("sd"));
        TrainConfig t = Configs.with(TrainConfig.small(), "iterations", 2, "batchSize", 2, "cropHeight", 8, "cropWidth", 16,
                "checkpointEvery", 2, "warmupIters", 0);
        SegModelConfig seg = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
        SwapConfig g = SwapConfig.defaults().with("count", 6, "batch", 4, "steps", 2, "scr_rounds", 2);
        var recipe = UnetSwap.ModelRecipe.embedded().with("unetIters", 2, "unetCrops", 1, "controlnetIters", 2, "batch", 2);
        var plan = UnetSwap.Plan.defaults().with("arms", List.copyOf(UnetSwap.ARMS.keySet()), "alignImages", 4, "classifierIters", 2);
        java.util.function.BiFunction<SwapConfig, Boolean, UnetSwap.Spec> spec = (gen, resume) -> new UnetSwap.Spec(
                tmp.resolve("b/sim/train").toString(), tmp.resolve("b/real/train").toString(), tmp.resolve("b/real/val").toString(),
                tmp.resolve("b/real/train").toString(), tmp.resolve("run"), sd, null, null, null, null, recipe, gen, seg, t, Configs.with(UdaConfig.embedded(), "train", t), plan, Evaluator.Options.whole(),
                resume, BadInput.strict());
        var m = UnetSwap.run(spec.apply(g, false));
        @SuppressWarnings("unchecked")
        var rows = (Map<String, Map<String, Object>>) m.get("rows");
        assertEquals(List.copyOf(UnetSwap.ARMS.keySet()), List.copyOf(rows.keySet()));
        for (String f : List.of("models/unet-source/pipeline/unet/config.json", "models/unet-target/pipeline/unet/config.json",
                "models/controlnet/controlnet/config.json", "generated/manifest.jsonl", "generated-plain/manifest.jsonl", "grid.png",
                "report.html", "judge/judge.json")) {
            assertTrue(Files.isRegularFile(tmp.resolve("run").resolve(f)), f);
        }
        assertTrue(Files.readString(tmp.resolve("run/models/controlnet/checkpoint/config.json")).contains("unet-source"),
                "the ControlNet was trained with U_src");
        assertEquals(6, Files.list(tmp.resolve("run/generated/images")).count());
        assertEquals(6, Files.list(tmp.resolve("run/generated/before-scr/images")).count());
        assertFalse(Files.exists(tmp.resolve("run/generated-plain/before-scr")), "the plain set has no SCR");
        var judge = org.diffuda.util.Json.MAPPER.readTree(tmp.resolve("run/judge/judge.json").toFile());
        assertTrue(judge.path("alignment_judge_miou19_against_conditioning_labels").has("ControlNet + U_src (in-domain)"));
        assertTrue(judge.path("share_judged_real_by_sim_vs_real_classifier").has("ControlNet + base U-Net"));
        assertTrue(judge.path("small_components").has("judge_miou19_on_small_components_after_scr"));

        // a killed generation resumes to the same bytes
        Path gen = tmp.resolve("run/generated");
        byte[] img = Files.readAllBytes(gen.resolve("images/000005.png")), raw = Files.readAllBytes(gen.resolve("before-scr/images/000005.png"));
        Files.delete(gen.resolve("images/000005.png"));
        Dataset sim = Datasets.open(tmp.resolve("b/sim/train").toString(), BadInput.strict());
        Path tgt = tmp.resolve("run/models/unet-target/pipeline/unet"), cn = tmp.resolve("run/models/controlnet/controlnet");
        assertEquals(1, SwapGeneration.run(sd, null, tgt, cn, sim, g, gen, 0, BadInput.strict()));
        assertArrayEquals(img, Files.readAllBytes(gen.resolve("images/000005.png")), "same bytes after a resume");
        assertArrayEquals(raw, Files.readAllBytes(gen.resolve("before-scr/images/000005.png")));
        assertEquals(0, SwapGeneration.run(sd, null, tgt, cn, sim, g, gen, 0, BadInput.strict()), "nothing left to do");
        var e = assertThrows(DiffudaException.class, () -> SwapGeneration.run(sd, null, tgt, cn, sim, g.with("guidance", 2.0), gen, 0,
                BadInput.strict()));
        assertTrue(e.getMessage().contains("another configuration") && e.getMessage().contains("guidance"), e.getMessage());

        // the run: not overwritten without --resume, refused with another configuration, read back with --resume
        long model = Files.getLastModifiedTime(tmp.resolve("run/generated-s0/model/model.safetensors")).toMillis();
        assertThrows(DiffudaException.class, () -> UnetSwap.run(spec.apply(g, false)));
        assertThrows(DiffudaException.class, () -> UnetSwap.run(spec.apply(g.with("count", 7), true)));
        var again = UnetSwap.run(spec.apply(g, true));
        assertEquals(((Number) rows.get("generated").get("miou19_mean")).doubleValue(),
                ((Number) ((Map<?, ?>) ((Map<?, ?>) again.get("rows")).get("generated")).get("miou19_mean")).doubleValue(), 1e-12);
        assertEquals(model, Files.getLastModifiedTime(tmp.resolve("run/generated-s0/model/model.safetensors")).toMillis(), "nothing retrained");
        assertNotEquals(null, m.get("oracle"));
    }
}
