package org.diffuda.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Fixtures;
import org.diffuda.data.Sample;
import org.diffuda.diffusion.PipelineIoTest;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.diffuda.methods.datum.DatumGeneration;
import org.diffuda.methods.datum.DreamBooth;
import org.diffuda.methods.datum.DreamBoothConfig;
import org.diffuda.methods.datum.GenerationConfig;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DATUM's pieces: the rare token, one-image DreamBooth with save points and resume, class-cycled resumable generation. */
public class DatumTest {
    /** The tiny text-to-image pipeline of the IO tests (8×16 images), without its ControlNet, saved to {@code dir}. */
    static Path tinyBase(Path dir) {
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineIoTest.tiny(m);
            PipelineFolder.save(dir, new PipelineFolder.StableDiffusion(p.unet(), p.vae(), p.textEncoder(), p.tokenizer(), p.scheduler(),
                    null), false);
        }
        return dir;
    }

    static DreamBoothConfig tinyRecipe(int steps, List<Integer> saveAt) {
        return DreamBoothConfig.embedded().with("steps", steps, "save_at", saveAt, "lr", 1e-3, "checkpoint_every", 2);
    }

    @Test
    void rareTokenIsAddedOnceAsOneTokenAndRoundTripsThroughTheSavedTokenizer(@TempDir Path tmp) throws Exception {
        Path base = tinyBase(tmp.resolve("base"));
        ClipTokenizer before = ClipTokenizer.load(base.resolve("tokenizer"));
        assertTrue(before.tokenize("sks").size() > 1, "the tiny vocabulary splits sks");
        assertFalse(DreamBooth.ensureToken(before, "car"), "a word that is one token already is not added");
        Fixtures.rgb(tmp.resolve("one.png"), 16, 32, 1);
        Sample one = Datasets.open(tmp.resolve("one.png").toString(), new BadInput(false)).load(0);
        GenerationConfig g = GenerationConfig.embedded().with("steps", 2, "batch", 2);
        DreamBooth.Result r = DreamBooth.personalize(base, null, one, tinyRecipe(2, List.of()), g, tmp.resolve("db"), 0);
        assertTrue(r.tokenAdded());
        ClipTokenizer after = ClipTokenizer.load(r.pipeline().resolve("tokenizer"));
        assertEquals(List.of("a</w>", "photo</w>", "of</w>", "a</w>", "sks", "car</w>"), after.tokenize("a photo of a sks car"));
        assertEquals(before.vocabSize() + 1, after.vocabSize());
        assertEquals(after.vocabSize() - 1, after.encode("sks")[1]);
        assertFalse(DreamBooth.ensureToken(after, "sks"), "added once");
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(r.pipeline(), m);
            assertEquals(after.vocabSize(), p.textEncoder().config().vocabSize());
            assertEquals(after.vocabSize(), p.textEncoder().tokenEmbedding().getArray().getShape().get(0));
        }
    }

    @Test
    void dreamBoothWritesLoadablePipelinesAtItsSavePointsTrainsTheTextEncoderAndResumes(@TempDir Path tmp) throws Exception {
        Path base = tinyBase(tmp.resolve("base"));
        Fixtures.rgb(tmp.resolve("one.png"), 16, 32, 2);
        Sample one = Datasets.open(tmp.resolve("one.png").toString(), new BadInput(false)).load(0);
        GenerationConfig g = GenerationConfig.embedded().with("steps", 2, "batch", 2);
        DreamBooth.Result r = DreamBooth.personalize(base, null, one, tinyRecipe(4, List.of(2)), g, tmp.resolve("db"), 0);
        assertEquals(List.of(2, 4), List.copyOf(r.byStep().keySet()));
        byte[] unet2 = Files.readAllBytes(r.byStep().get(2).resolve("unet/" + PipelineFolder.DIFFUSERS_WEIGHTS));
        byte[] unet4 = Files.readAllBytes(r.pipeline().resolve("unet/" + PipelineFolder.DIFFUSERS_WEIGHTS));
        assertFalse(java.util.Arrays.equals(unet2, unet4), "steps 3-4 moved the U-Net");
        // DreamBooth keeps no EMA: none in the checkpoint, and the pipeline holds the trained weights themselves
        assertFalse(Files.exists(tmp.resolve("db/checkpoint/ema.safetensors")));
        var trained = org.diffuda.nn.Safetensors.read(tmp.resolve("db/checkpoint/model.safetensors")).tensors();
        var saved = org.diffuda.nn.Safetensors.read(r.pipeline().resolve("unet/" + PipelineFolder.DIFFUSERS_WEIGHTS)).tensors();
        assertEquals(trained.keySet(), saved.keySet());
        trained.forEach((k, t) -> assertArrayEquals(t.data(), saved.get(k).data(), k));
        try (NDManager m = Engines.engine().newBaseManager()) {
            var b = PipelineFolder.load(base, m);
            var p = PipelineFolder.load(r.pipeline(), m);
            String k = ParamNames.of(b.textEncoder()).keySet().stream().filter(n -> n.contains("final_layer_norm")).findFirst().orElseThrow();
            assertNotEquals(ParamNames.of(b.textEncoder()).get(k).getArray().toFloatArray()[0],
                    ParamNames.of(p.textEncoder()).get(k).getArray().toFloatArray()[0], "the text encoder trains by default");
        }
        // an interrupted run: only up to step 2, then the full run resumes to the same bytes
        DreamBooth.personalize(base, null, one, tinyRecipe(4, List.of(2)), g, tmp.resolve("part"), 0);
        org.diffuda.util.AtomicFiles.deleteRecursively(tmp.resolve("part/pipeline"));
        DreamBooth.Result again = DreamBooth.personalize(base, null, one, tinyRecipe(4, List.of(2)), g, tmp.resolve("part"), 0);
        assertArrayEquals(unet4, Files.readAllBytes(again.pipeline().resolve("unet/" + PipelineFolder.DIFFUSERS_WEIGHTS)));
        // a different recipe in the same folder is refused
        assertThrows(DiffudaException.class, () -> DreamBooth.personalize(base, null, one, tinyRecipe(4, List.of(2)).with("lr", 5e-4), g,
                tmp.resolve("part"), 0));
    }

    @Test
    void dreamBoothDataIsOneRandomCropPerStepAndAClassImageWithPriorPreservation(@TempDir Path tmp) throws Exception {
        Path base = tinyBase(tmp.resolve("base"));
        try (NDManager m = Engines.engine().newBaseManager()) {
            var p = PipelineFolder.load(base, m);
            float[] img = new float[3 * 16 * 32];
            for (int i = 0; i < img.length; i++) {
                img[i] = (i % 32) / 31f; // a horizontal ramp: crops at different x differ
            }
            List<float[]> cls = List.of(new float[3 * 8 * 16], new float[3 * 8 * 16]);
            var data = org.diffuda.diffusion.training.TrainingData.randomCrops(p.vae(), img, 16, 32, 8, 16, new int[] {1}, cls,
                    List.of(new int[] {2}, new int[] {3}), 0.5, 9);
            data.start(0);
            var e0 = data.next(m);
            var e1 = data.next(m);
            assertEquals(2, e0.x0().getShape().get(0), "instance + class example");
            assertEquals(1, e0.instances());
            assertEquals(0.5, e0.priorWeight());
            assertArrayEquals(new int[] {2}, e0.tokens()[1]);
            assertArrayEquals(new int[] {3}, e1.tokens()[1], "class images in turn");
            data.start(1);
            assertArrayEquals(e1.x0().toFloatArray(), data.next(m).x0().toFloatArray(), 0f, "step k's crop and noise depend on k only");
            var plain = org.diffuda.diffusion.training.TrainingData.randomCrops(p.vae(), img, 16, 32, 8, 16, new int[] {1}, null, null,
                    1.0, 9);
            plain.start(0);
            var e = plain.next(m);
            assertEquals(1, e.x0().getShape().get(0));
            assertEquals(0, e.priorWeight());
        }
    }

    @Test
    void promptsCycleOverTheChosenClasses() {
        GenerationConfig g = GenerationConfig.embedded().with("count", 12);
        List<String> things = DatumGeneration.prompts(g, "sks", "a photo of a sks urban scene");
        assertEquals("a photo of a sks traffic light", things.get(0));
        assertEquals("a photo of a sks bicycle", things.get(9));
        assertEquals("a photo of a sks traffic light", things.get(10));
        List<String> all = DatumGeneration.prompts(g.with("classes", "things+stuff", "count", 19), "sks", "x");
        assertEquals("a photo of a sks road", all.get(0));
        assertEquals("a photo of a sks bicycle", all.get(18));
        assertEquals(List.of("a photo of a sks urban scene"), DatumGeneration.prompts(g.with("classes", "scene", "count", 1), "sks",
                "a photo of a sks urban scene"));
        assertThrows(DiffudaException.class, () -> DatumGeneration.prompts(g.with("classes", "objects"), "sks", "x"));
    }

    @Test
    void generationResumesSkippingFinishedImagesToTheSameBytesAndKeepsAManifest(@TempDir Path tmp) throws Exception {
        Path base = tinyBase(tmp.resolve("base"));
        GenerationConfig g = GenerationConfig.embedded().with("count", 5, "steps", 2, "batch", 2);
        List<String> prompts = DatumGeneration.prompts(g, "car", "x");
        Path out = tmp.resolve("gen");
        assertEquals(5, DatumGeneration.generate(base, null, prompts, g, out, 7));
        byte[] img1 = Files.readAllBytes(out.resolve("images/00001.png"));
        byte[] img4 = Files.readAllBytes(out.resolve("images/00004.png"));
        assertEquals(0, DatumGeneration.generate(base, null, prompts, g, out, 7), "nothing left to do");
        Files.delete(out.resolve("images/00001.png"));
        Files.delete(out.resolve("images/00004.png"));
        assertEquals(2, DatumGeneration.generate(base, null, prompts, g, out, 7));
        assertArrayEquals(img1, Files.readAllBytes(out.resolve("images/00001.png")));
        assertArrayEquals(img4, Files.readAllBytes(out.resolve("images/00004.png")));
        List<String> manifest = Files.readAllLines(out.resolve("manifest.jsonl"));
        assertEquals(5, manifest.size());
        assertTrue(manifest.get(1).contains("\"prompt\":\"a photo of a car traffic sign\"") && manifest.get(1).contains("\"index\":1"),
                manifest.get(1));
        Dataset d = Datasets.open(out.toString(), new BadInput(false));
        assertEquals(5, d.size());
        assertFalse(d.labelled());
        assertThrows(DiffudaException.class, () -> DatumGeneration.generate(base, null, prompts, g.with("guidance", 2.0), out, 7),
                "another configuration in the same folder is refused");
    }

    @Test
    void theThreeStagesRunEndToEndWithTheOneShotBaselineAndResumeWithoutRedoingAnything(@TempDir Path tmp) throws Exception {
        org.diffuda.data.bench.Benchmark.make(tmp.resolve("b"), org.diffuda.data.bench.BenchmarkConfig.tiny());
        Path base = tinyBase(tmp.resolve("base"));
        Path one = tmp.resolve("b/real/train/images").resolve(Files.list(tmp.resolve("b/real/train/images")).map(p -> p.getFileName().toString())
                .sorted().findFirst().orElseThrow());
        var t = org.diffuda.util.Configs.with(org.diffuda.segmentation.TrainConfig.small(), "iterations", 2, "batchSize", 2, "cropHeight", 32,
                "cropWidth", 64, "checkpointEvery", 2, "warmupIters", 0);
        var uda = org.diffuda.uda.UdaConfig.embedded().with("train", t);
        var seg = new org.diffuda.segmentation.models.SegModelConfig("deeplabv3plus", "resnet18", 8, 19, 8, 16, List.of(1, 2), 0);
        java.util.function.Function<Boolean, org.diffuda.methods.datum.Datum.Spec> spec = resume -> new org.diffuda.methods.datum.Datum.Spec(
                List.of(tmp.resolve("b/sim/train").toString()), List.of(one), tmp.resolve("b/real/val").toString(), tmp.resolve("run"), base,
                null, seg, uda, tinyRecipe(2, List.of()), GenerationConfig.embedded().with("count", 4, "steps", 2, "batch", 2), 0,
                org.diffuda.segmentation.Evaluator.Options.whole(), resume, true, null, 0, BadInput.strict());
        var r = org.diffuda.methods.datum.Datum.run(spec.apply(false));
        assertEquals(1, r.size());
        assertTrue(r.get(0).datum() != null && r.get(0).oneShot() != null);
        Path dir = tmp.resolve("run/target-" + one.getFileName().toString().replace(".png", ""));
        assertEquals(4, Files.list(dir.resolve("generated/images")).count());
        assertTrue(Files.readString(dir.resolve("daformer/metrics.json")).contains("generated"), "DATUM's target set is the generated one");
        assertTrue(Files.readString(dir.resolve("one-shot/metrics.json")).contains(one.getFileName().toString()));
        var metrics = org.diffuda.util.Json.MAPPER.readTree(tmp.resolve("run/metrics.json").toFile());
        assertEquals(r.get(0).datum().miou19(), metrics.path("datum").path("miou19_mean").asDouble(), 1e-9);
        assertTrue(Files.readString(tmp.resolve("run/report.html")).contains("one-shot DAFormer"));
        long model = Files.getLastModifiedTime(dir.resolve("daformer/model/model.safetensors")).toMillis();
        assertThrows(DiffudaException.class, () -> org.diffuda.methods.datum.Datum.run(spec.apply(false)), "a finished run is not overwritten");
        var again = org.diffuda.methods.datum.Datum.run(spec.apply(true));
        assertEquals(r.get(0).datum().miou19(), again.get(0).datum().miou19());
        assertEquals(model, Files.getLastModifiedTime(dir.resolve("daformer/model/model.safetensors")).toMillis(), "nothing retrained");
    }

    @Test
    void onePngIsAOneImageUnlabelledDataset(@TempDir Path tmp) throws Exception {
        Fixtures.rgb(tmp.resolve("x.png"), 8, 16, 3);
        Dataset d = Datasets.open(tmp.resolve("x.png").toString(), new BadInput(false));
        assertEquals(1, d.size());
        assertFalse(d.labelled());
        assertEquals(16, d.load(0).width());
        Files.writeString(tmp.resolve("x.txt"), "no");
        assertThrows(DiffudaException.class, () -> Datasets.open(tmp.resolve("x.txt").toString(), new BadInput(false)));
    }

    @Test
    void theJudgesCorpusIsCheckedFromItsCaptionsBeforeTheRun(@TempDir Path tmp) throws Exception {
        Path corpus = Files.createDirectories(tmp.resolve("prior"));
        StringBuilder meta = new StringBuilder("{\"file_name\": \"a.png\", \"text\": \"a photo of a car\", \"object\": \"car\"}\n");
        Files.writeString(corpus.resolve("metadata.jsonl"), meta);
        var e = assertThrows(org.diffuda.data.DataException.class, () -> org.diffuda.methods.datum.DatumJudge.checkCorpus(corpus));
        assertTrue(e.getMessage().startsWith(corpus.resolve("metadata.jsonl") + ": no captioned images of traffic light, traffic sign, person"),
                e.getMessage());
        assertFalse(e.getMessage().contains(" car,"), "what is there is not named missing");
        for (int c : org.diffuda.data.Classes.THINGS) {
            String name = org.diffuda.data.Classes.NAMES[c];
            meta.append("{\"file_name\": \"x.png\", \"text\": \"a photo of a ").append(name).append("\", \"object\": \"").append(name).append("\"}\n");
        }
        Files.writeString(corpus.resolve("metadata.jsonl"), meta);
        org.diffuda.methods.datum.DatumJudge.checkCorpus(corpus); // no image file is read: x.png does not exist
    }
}
