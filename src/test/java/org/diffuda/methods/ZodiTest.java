package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Sample;
import org.diffuda.diffusion.PipelineIoTest;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.schedulers.DdimScheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.methods.zodi.Zodi;
import org.diffuda.methods.zodi.ZodiAdaptation;
import org.diffuda.methods.zodi.ZodiConfig;
import org.diffuda.methods.zodi.ZodiTransfer;
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ZoDi: the transfer (strength, inversion, pairing, resume) and the model adaptation (similarity loss), end to end on tiny models. */
class ZodiTest {
    /** A tiny pipeline with a ControlNet whose zero convolutions are made non-zero, so the layout reaches the U-Net. */
    static Path tinyPipeline(Path dir) {
        Engines.seed(11);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineIoTest.tiny(m);
            p.controlnet().copyFrom(p.unet());
            Generator g = Generator.of(11, "perturb");
            ParamNames.of(p.controlnet()).forEach((k, v) -> {
                NDArray a = v.getArray();
                a.addi(g.randn(m, a.getShape()).mul(org.diffuda.nn.Tensors.scalar(a, 0.05)));
            });
            PipelineFolder.save(dir, p, false);
        }
        return dir;
    }

    /**
     * --unet: the swapped U-Net is the one that denoises (the same bytes as a pipeline that holds it),
     * and a U-Net of another architecture is refused from its config before anything is written.
     */
    @Test
    void aSwappedUNetIsTheOneThatDenoisesAndAMisfitIsRefusedFirst(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Path sd = tinyPipeline(tmp.resolve("sd")), other = tinyPipeline(tmp.resolve("other"));
        try (NDManager m = Engines.engine().newBaseManager()) { // "other": the same pipeline, its U-Net perturbed
            PipelineFolder.StableDiffusion p = PipelineFolder.load(other, m);
            Generator g = Generator.of(5, "fine-tuned");
            ParamNames.of(p.unet()).forEach((k, v) -> v.getArray().addi(g.randn(m, v.getArray().getShape())
                    .mul(org.diffuda.nn.Tensors.scalar(v.getArray(), 0.05))));
            PipelineFolder.save(other, p, false);
        }
        Dataset src = Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict());
        ZodiConfig c = tinyTransfer("zodi");
        Path cn = sd.resolve("controlnet");
        ZodiTransfer.run(ZodiTransfer.Models.of(sd, cn), src, c, tmp.resolve("own"), 0, 2, BadInput.strict());
        ZodiTransfer.run(new ZodiTransfer.Models(sd, null, other.resolve("unet"), cn), src, c, tmp.resolve("swapped"), 0, 2, BadInput.strict());
        ZodiTransfer.run(ZodiTransfer.Models.of(other, cn), src, c, tmp.resolve("other-base"), 0, 2, BadInput.strict());
        String id = src.id(ZodiTransfer.byId(src).get(0)) + ".png";
        byte[] own = Files.readAllBytes(tmp.resolve("own/images").resolve(id)), swapped = Files.readAllBytes(tmp.resolve("swapped/images").resolve(id));
        assertFalse(java.util.Arrays.equals(own, swapped), "the swapped U-Net denoises");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("other-base/images").resolve(id)), swapped, "and only the U-Net is swapped");
        assertTrue(Files.readString(tmp.resolve("swapped/transfer.json")).contains("\"unet\""));
        assertFalse(Files.readString(tmp.resolve("own/transfer.json")).contains("\"unet\""), "no swap: the record of earlier versions");

        Path misfit = Files.createDirectories(tmp.resolve("misfit"));
        Files.writeString(misfit.resolve("config.json"),
                Files.readString(other.resolve("unet/config.json")).replaceFirst("\"layers_per_block\" : \\d+", "\"layers_per_block\" : 3"));
        DiffudaException e = assertThrows(DiffudaException.class, () -> ZodiTransfer.run(new ZodiTransfer.Models(sd, null, misfit, cn), src, c,
                tmp.resolve("refused"), 0, 2, BadInput.strict()));
        assertTrue(e.getMessage().startsWith("--unet " + misfit + ": its architecture differs"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("refused")), "refused before anything is written");
        DiffudaException notUNet = assertThrows(DiffudaException.class, () -> ZodiTransfer.run(new ZodiTransfer.Models(sd, null, cn, cn), src, c,
                tmp.resolve("refused"), 0, 2, BadInput.strict()));
        assertTrue(notUNet.getMessage().contains("describes a ControlNetModel, not a UNet2DConditionModel"), notUNet.getMessage());
        assertFalse(Files.exists(tmp.resolve("refused")));
    }

    static ZodiConfig tinyTransfer(String mode) {
        return ZodiConfig.forCondition("night").with("mode", mode, "steps", 4, "batch", 2);
    }

    @Test
    void strengthMapsToTheFirstKeptDdimStep() {
        DdimScheduler s = new DdimScheduler(SchedulerConfig.stableDiffusion().withClassName("DDIMScheduler").withSpacing("leading", 0));
        assertArrayEquals(new int[] {850, 18}, ZodiTransfer.start(s, 20, 0.90), "night: 18 of 20 steps from t = 850");
        assertArrayEquals(new int[] {600, 13}, ZodiTransfer.start(s, 20, 0.65), "snow/rain: floor(13)");
        assertArrayEquals(new int[] {550, 12}, ZodiTransfer.start(s, 20, 0.60), "fog/game");
        assertArrayEquals(new int[] {950, 20}, ZodiTransfer.start(s, 20, 1.0));
        assertEquals(0.9, ZodiConfig.forCondition("night").strength());
        assertEquals("driving under rain, best quality", ZodiConfig.forCondition("rain").fullPrompt());
        assertThrows(DiffudaException.class, () -> ZodiConfig.forCondition("night").with("strength", 0.01).check(), "no step left");
        assertThrows(DiffudaException.class, () -> ZodiConfig.forCondition("dusk"));
    }

    @Test
    void inversionReNoisesWithThePredictedNoiseAndTheControlNetMatters(@TempDir Path tmp) throws Exception {
        Path sd = tinyPipeline(tmp.resolve("sd"));
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(sd, m);
            NDArray x = Generator.of(3, "x").rand(m, new Shape(2, 3, 16, 32), 0f, 1f);
            NDArray cond = Generator.of(3, "c").rand(m, new Shape(2, 3, 16, 32), 0f, 1f);
            java.util.function.Function<String, float[]> run = mode -> ZodiTransfer.transfer(p, p.controlnet(), x, cond, tinyTransfer(mode),
                    Generator.perItem(3, "img", 0, 2), m).toFloatArray();
            float[] zodi = run.apply("zodi"), again = run.apply("zodi"), noSi = run.apply("controlnet"), inst = run.apply("inst");
            // the vae row: the autoencoder's round trip alone, whatever the prompt, ControlNet or generator
            NDArray recon = org.diffuda.diffusion.pipelines.LatentCodec.decode(p.vae(),
                    org.diffuda.diffusion.pipelines.LatentCodec.encode(p.vae(), x, null)).clip(0, 1);
            assertArrayEquals(recon.toFloatArray(), run.apply("vae"), 0f);
            assertArrayEquals(recon.toFloatArray(), ZodiTransfer.transfer(p, null, x, cond, tinyTransfer("vae").with("prompt", "driving in fog"),
                    Generator.perItem(9, "other", 0, 2), m).toFloatArray(), 0f);
            assertArrayEquals(zodi, again, 0f, "seeded per image");
            assertFalse(java.util.Arrays.equals(zodi, noSi), "stochastic inversion changes the start: ε̂, not the random ε");
            assertFalse(java.util.Arrays.equals(zodi, inst), "the ControlNet's residuals reach the U-Net");
            // image 1 alone is image 1 of the batch: one generator per image
            float[] alone = ZodiTransfer.transfer(p, p.controlnet(), x.get("1:2"), cond.get("1:2"), tinyTransfer("zodi"),
                    Generator.perItem(List.of(Generator.of(3, "img", 1))), m).toFloatArray();
            float[] second = java.util.Arrays.copyOfRange(zodi, zodi.length / 2, zodi.length);
            assertArrayEquals(second, alone, 1e-4f);
        }
    }

    @Test
    void pairingIsByNameWhateverOrderTheFoldersAreListedIn(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Dataset src = Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict());
        // a "transfer" whose files are the night split's images under the source's names, listed in reverse
        Path gen = tmp.resolve("gen");
        Files.createDirectories(gen.resolve("images"));
        Files.createDirectories(gen.resolve("labels"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < src.size(); i++) {
            ids.add(src.id(i));
            Sample s = src.load(i);
            float[] img = s.image().clone();
            img[0] = i / 100f; // marks which source image it belongs to
            org.diffuda.data.Png.write(org.diffuda.data.Png.fromChw(img, s.height(), s.width()), gen.resolve("images").resolve(s.id() + ".png"));
            org.diffuda.data.Png.write(org.diffuda.data.Png.labelImage(s.label(), s.height(), s.width()), gen.resolve("labels").resolve(s.id() + ".png"));
        }
        Dataset listed = Datasets.open(gen.toString(), BadInput.strict());
        Dataset reversed = new Dataset() {
            public String name() { return listed.name(); }
            public int size() { return listed.size(); }
            public String id(int i) { return listed.id(size() - 1 - i); }
            public Sample load(int i) { return listed.load(size() - 1 - i); }
            public boolean labelled() { return true; }
        };
        List<Dataset> views = ZodiAdaptation.pairs(src, reversed);
        for (int i = 0; i < src.size(); i++) {
            Sample a = views.get(0).load(i), b = views.get(1).load(i);
            assertEquals(a.id(), src.id(i));
            assertEquals(Math.round(i * 255 / 100f), Math.round(b.image()[0] * 255), "pair " + i + " is its own transfer");
            assertArrayEquals(a.label(), b.label());
        }
        Files.delete(gen.resolve("images").resolve(ids.get(3) + ".png"));
        DiffudaException e = assertThrows(DiffudaException.class,
                () -> ZodiAdaptation.pairs(src, Datasets.open(gen.toString(), new BadInput(true))));
        assertTrue(e.getMessage().contains(ids.get(3)), e.getMessage());
    }

    @Test
    void transferResumesSkippingFinishedImagesToTheSameBytesAndRefusesAnotherConfiguration(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Path sd = tinyPipeline(tmp.resolve("sd"));
        Dataset src = Datasets.open(tmp.resolve("b/real/train").toString(), BadInput.strict());
        ZodiConfig c = tinyTransfer("zodi");
        assertEquals(5, ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src, c, tmp.resolve("a"), 0, 5, BadInput.strict()));
        List<Path> files;
        try (var s = Files.list(tmp.resolve("a/images"))) {
            files = s.sorted().toList();
        }
        assertEquals(5, files.size());
        byte[] kept = Files.readAllBytes(files.get(2));
        Files.delete(files.get(2));
        Files.delete(files.get(4));
        assertEquals(2, ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src, c, tmp.resolve("a"), 0, 5, BadInput.strict()),
                "only the missing images are made");
        assertArrayEquals(kept, Files.readAllBytes(files.get(2)), "a resumed transfer writes the same bytes");
        assertEquals(0, ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src, c, tmp.resolve("a"), 0, 5, BadInput.strict()));
        List<String> manifest = Files.readAllLines(tmp.resolve("a/manifest.jsonl"));
        assertEquals(5, manifest.size());
        assertTrue(manifest.get(0).contains("\"strength\":0.9") && manifest.get(0).contains("driving at night, best quality")
                && manifest.get(0).contains("zodi image:"), manifest.get(0));
        Dataset out = Datasets.open(tmp.resolve("a").toString(), BadInput.strict());
        assertTrue(out.labelled());
        Sample o = out.load(0), s0 = src.load(0);
        assertEquals(s0.id(), o.id());
        assertArrayEquals(s0.label(), o.label(), "labels copied");
        assertEquals(s0.height(), o.height());
        DiffudaException e = assertThrows(DiffudaException.class, () -> ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src,
                c.with("strength", 0.5), tmp.resolve("a"), 0, 5, BadInput.strict()));
        assertThrows(DiffudaException.class, () -> ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src, c.with("batch", 3), tmp.resolve("a"),
                0, 5, BadInput.strict()), "another batch changes the last bits: refused too");
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
        assertThrows(DiffudaException.class, () -> ZodiTransfer.run(ZodiTransfer.Models.of(sd, null), src, c, tmp.resolve("x"), 0, 5, BadInput.strict()),
                "zodi needs a ControlNet");
        assertEquals(2, ZodiTransfer.run(ZodiTransfer.Models.of(sd, null), src, c.with("mode", "sdedit"), tmp.resolve("sdedit"), 0, 2, BadInput.strict()));
        // at the source's size instead of the pipeline's: another image, same size on disk, labels still paired
        assertEquals(2, ZodiTransfer.run(ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), src, c.with("source_size", true), tmp.resolve("full"), 0, 2,
                BadInput.strict()));
        Sample full = Datasets.open(tmp.resolve("full").toString(), BadInput.strict()).load(0);
        assertEquals(s0.height(), full.height());
        assertFalse(java.util.Arrays.equals(o.image(), full.image()), "denoised at another size");
    }

    @Test
    void theSourceDetailBandRestoresWhatThePipelinesResolutionDropped() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = Generator.of(5, "x").rand(m, new Shape(1, 3, 16, 32), 0f, 1f);
            NDArray seen = org.diffuda.nn.Ops.resize(x, 8, 16, org.diffuda.nn.Ops.BILINEAR_AA);
            // a transfer that changed nothing at the pipeline's size gives the source back exactly with the band ...
            assertArrayEquals(x.toFloatArray(), ZodiTransfer.upsample(seen, x, seen, "source").toFloatArray(), 1e-6f);
            // ... and a blurred copy without it
            float err = ZodiTransfer.upsample(seen, x, seen, "none").sub(x).abs().mean().getFloat();
            assertTrue(err > 0.05f, "bilinear up/down loses the band: " + err);
            // the band is added to whatever the transfer made: darkening at low resolution stays dark
            NDArray dark = seen.mul(0.3f);
            NDArray out = ZodiTransfer.upsample(dark, x, seen, "source");
            assertEquals(x.mean().getFloat() * 0.3f, out.mean().getFloat(), 0.02f);
            // same size (real scale: SD at the segmenter's resolution): nothing is added
            assertArrayEquals(dark.toFloatArray(), ZodiTransfer.upsample(dark, seen, seen, "source").toFloatArray(), 0f);
        }
        assertThrows(DiffudaException.class, () -> tinyTransfer("zodi").with("detail", "sharpen").check());
    }

    @Test
    void theSimilarityLossReachesBothBranches() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            SegModelConfig cfg = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
            Segmenter model = Generator.of(1, "init:segmenter").seeded(() -> SegModels.create(cfg, m));
            NDArray xs = Generator.of(1, "xs").rand(m, new Shape(2, 3, 32, 64), 0f, 1f);
            NDArray xg = Generator.of(1, "xg").rand(m, new Shape(2, 3, 32, 64), 0f, 1f);
            xs.setRequiresGradient(true);
            xg.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                var fs = model.run(xs, true).features();
                var fg = model.run(xg, true).features();
                NDArray loss = ZodiAdaptation.similarityLoss(fs.get(fs.size() - 1), fg.get(fg.size() - 1));
                assertTrue(loss.getFloat() > 0 && loss.getFloat() < 2);
                gc.backward(loss);
            }
            assertTrue(xs.getGradient().abs().sum().getFloat() > 0, "gradient reaches the source branch");
            assertTrue(xg.getGradient().abs().sum().getFloat() > 0, "gradient reaches the generated branch (no stop-gradient)");
            NDArray a = Generator.of(2, "a").randn(m, new Shape(3, 8, 4, 4));
            assertEquals(0, ZodiAdaptation.similarityLoss(a, a).getFloat(), 1e-6, "identical features: 1 − cos = 0");
        }
    }

    @Test
    void bothStagesRunEndToEndWithTheJudgeAndResumeWithoutRedoingAnything(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Path sd = tinyPipeline(tmp.resolve("sd"));
        TrainConfig t = Configs.with(TrainConfig.small(), "iterations", 2, "batchSize", 2, "cropHeight", 32, "cropWidth", 64,
                "checkpointEvery", 2, "warmupIters", 0);
        SegModelConfig seg = new SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
        java.util.function.Function<Boolean, Zodi.Spec> spec = resume -> new Zodi.Spec(tmp.resolve("b/real/train").toString(),
                tmp.resolve("b/real-night/val").toString(), tmp.resolve("run"), ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), tinyTransfer("zodi"), null,
                seg, t, 0.1, Zodi.Plan.of(List.of(0L, 1L), List.of("zodi", "no-sim")).with("ablationSeeds", List.of(0L), "layoutModes", List.of("sdedit"),
                "judgeImages", 2), tmp.resolve("b/real-night/train").toString(), Evaluator.Options.whole(), resume, BadInput.strict());
        var m = Zodi.run(spec.apply(false));
        @SuppressWarnings("unchecked")
        var rows = (java.util.Map<String, java.util.Map<String, Object>>) m.get("rows");
        assertEquals(List.of("source-only", "zodi", "no-sim"), List.copyOf(rows.keySet()));
        assertEquals(2, ((double[]) rows.get("zodi").get("miou19_values")).length, "one training per seed");
        assertEquals(1, ((double[]) rows.get("no-sim").get("miou19_values")).length, "ablation rows: their own seeds");
        assertEquals(2, count(tmp.resolve("run/judge/transfer-sdedit/images")), "a judge-only transfer: the first judgeImages images");
        assertTrue(Files.isDirectory(tmp.resolve("run/transfer-zodi/images")));
        assertFalse(Files.exists(tmp.resolve("run/transfer-controlnet")), "w/o L_sim trains on the ZoDi transfer");
        assertTrue(Files.readString(tmp.resolve("run/zodi-s0/checkpoint/config.json")).contains("lambda_sim"));
        var metrics = org.diffuda.util.Json.MAPPER.readTree(tmp.resolve("run/metrics.json").toFile());
        assertTrue(metrics.path("layout").path("judge_miou19_against_source_labels").has("zodi"));
        assertTrue(metrics.path("layout").path("judge_miou19_against_source_labels").has("sdedit"));
        assertTrue(metrics.path("layout").path("judge_miou19_of_samples_from_noise_against_their_labels").has("controlnet"));
        assertEquals(2, count(tmp.resolve("run/judge/noise-controlnet/images")));
        assertTrue(Files.isRegularFile(tmp.resolve("run/grid.png")) && Files.readString(tmp.resolve("run/report.html")).contains("w/o L_sim"));
        long model = Files.getLastModifiedTime(tmp.resolve("run/zodi-s1/model/model.safetensors")).toMillis();
        assertThrows(DiffudaException.class, () -> Zodi.run(spec.apply(false)), "a finished run is not overwritten");
        var again = Zodi.run(spec.apply(true));
        assertEquals(metrics.path("rows").path("zodi").path("miou19_mean").asDouble(),
                ((Number) ((java.util.Map<?, ?>) ((java.util.Map<?, ?>) again.get("rows")).get("zodi")).get("miou19_mean")).doubleValue(), 1e-12);
        assertEquals(model, Files.getLastModifiedTime(tmp.resolve("run/zodi-s1/model/model.safetensors")).toMillis(), "nothing retrained");
        // --judge-images 0: the oracle alone, its layout transfers and reading over every source image, no samples from noise
        var all = Zodi.run(new Zodi.Spec(tmp.resolve("b/real/train").toString(), tmp.resolve("b/real-night/val").toString(), tmp.resolve("run0"),
                ZodiTransfer.Models.of(sd, sd.resolve("controlnet")), tinyTransfer("zodi"), null, seg, t, 0.1,
                new Zodi.Plan(List.of(0L), List.of(0L), List.of(), List.of("vae"), false, 0), tmp.resolve("b/real-night/train").toString(),
                Evaluator.Options.whole(), false, BadInput.strict()));
        long n = count(tmp.resolve("b/real/train/images"));
        assertEquals(n, count(tmp.resolve("run0/judge/transfer-vae/images")));
        assertEquals((int) n, ((java.util.Map<?, ?>) all.get("layout")).get("images"));
        assertFalse(((java.util.Map<?, ?>) all.get("layout")).containsKey("judge_miou19_of_samples_from_noise_against_their_labels"));
    }

    @Test
    void labelsEnterTheControlNetInCityscapesOrAde20kColoursOrOneHot() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray y = org.diffuda.nn.Tensors.create(m, new long[] {0, 13, 8, 255}, new Shape(1, 2, 2));
            float[] cs = org.diffuda.diffusion.pipelines.LayoutCondition.encode(y, "cityscapes-colors").toFloatArray();
            float[] ade = org.diffuda.diffusion.pipelines.LayoutCondition.encode(y, "ade20k-colors").toFloatArray();
            // channel-major (3, 2, 2): pixel 0 road, 1 car, 2 vegetation, 3 ignored
            assertArrayEquals(new float[] {128 / 255f, 64 / 255f, 128 / 255f}, new float[] {cs[0], cs[4], cs[8]}, 1e-6f, "Cityscapes road");
            assertArrayEquals(new float[] {140 / 255f, 140 / 255f, 140 / 255f}, new float[] {ade[0], ade[4], ade[8]}, 1e-6f, "ADE20K road");
            assertArrayEquals(new float[] {0, 102 / 255f, 200 / 255f}, new float[] {ade[1], ade[5], ade[9]}, 1e-6f, "ADE20K car");
            assertArrayEquals(new float[] {4 / 255f, 200 / 255f, 3 / 255f}, new float[] {ade[2], ade[6], ade[10]}, 1e-6f, "ADE20K tree");
            assertArrayEquals(new float[] {0, 0, 0}, new float[] {ade[3], ade[7], ade[11]}, 0f, "ignored is black");
            assertEquals(19, org.diffuda.diffusion.pipelines.LayoutCondition.encode(y, "onehot").getShape().get(1));
            assertEquals("cityscapes-colors", org.diffuda.diffusion.pipelines.LayoutCondition.check("colour"));
            assertThrows(DiffudaException.class, () -> org.diffuda.diffusion.pipelines.LayoutCondition.check("pastel"));
        }
    }

    /** Entries of a folder (the listing closed). */
    private static long count(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }
}
