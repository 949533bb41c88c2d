package org.diffuda.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import org.diffuda.util.RunLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        Progress.setQuiet(true);
        PrintStream o = System.out, e = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bo));
        System.setErr(new PrintStream(be));
        try {
            int code = Main.run(args);
            return new Run(code, bo.toString(), be.toString());
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    static String[] tinyBench(Path out) {
        return new String[] {"benchmark", "make", "--out", out.toString(), "--size", "32x64", "--sim-train", "8",
            "--real-train", "8", "--real-val", "4", "--condition-train", "2", "--condition-val", "2",
            "--prior-scenes", "8", "--prior-objects", "4"};
    }

    @Test
    void configFileSetsOptionsAndTheCommandLineWins(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "seed: 7\nmake:\n  sim-train: 3\n  real-val: 2\n");
        Run r = run(concat(tinyBench(tmp.resolve("b")), "--config", cfg.toString()));
        assertEquals(0, r.code(), r.err());
        JsonNode eff = Json.MAPPER.readTree(tmp.resolve("b/config.json").toFile());
        assertEquals(7, eff.get("seed").asInt());
        assertEquals(8, eff.get("sim-train").asInt(), "the command line wins over the file");
        assertEquals(4, eff.get("real-val").asInt());
        try (var s = Files.list(tmp.resolve("b/real/val/images"))) {
            assertEquals(4, s.count());
        }
        Run fromFile = run("benchmark", "make", "--out", tmp.resolve("c").toString(), "--size", "32x64", "--config", cfg.toString(),
                "--real-train", "1", "--condition-train", "1", "--condition-val", "1", "--prior-scenes", "1", "--prior-objects", "1");
        assertEquals(0, fromFile.code(), fromFile.err());
        JsonNode eff2 = Json.MAPPER.readTree(tmp.resolve("c/config.json").toFile());
        assertEquals(3, eff2.get("sim-train").asInt(), "a command's section of the file applies");
        assertEquals(2, eff2.get("real-val").asInt());
    }

    @Test
    void trainSegThenEvaluate(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        Run t = run("train-seg", "--data", tmp.resolve("b/sim/train").toString(), "--val", tmp.resolve("b/real/val").toString(),
                "--out", tmp.resolve("t").toString(), "--iters", "3", "--batch", "2", "--crop", "32x64", "--width", "8");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("mIoU19"), t.out());
        assertTrue(Files.exists(tmp.resolve("t/model/model.safetensors")) && Files.exists(tmp.resolve("t/metrics.json")));
        Run again = run("train-seg", "--data", tmp.resolve("b/sim/train").toString(), "--out", tmp.resolve("t").toString(),
                "--iters", "3", "--batch", "2", "--crop", "32x64", "--width", "8");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        Run e = run("evaluate", "--model", tmp.resolve("t/model").toString(), "--data", tmp.resolve("b/real/val").toString(),
                "--eval-mode", "slide", "--window", "32", "--stride", "16");
        assertEquals(0, e.code(), e.err());
        JsonNode ev = Json.MAPPER.readTree(tmp.resolve("t/model/eval.json").toFile());
        assertEquals(4, ev.get("images").asInt());
    }

    @Test
    void resumeRefusesAnotherConfigurationAndALockedOutIsRefused(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        String sim = tmp.resolve("b/sim/train").toString();
        String[] base = {"train-seg", "--data", sim, "--out", tmp.resolve("t").toString(), "--batch", "2",
            "--crop", "32x64", "--width", "8", "--checkpoint-every", "1"};
        Run first = run(concat(base, "--iters", "3"));
        assertEquals(0, first.code(), first.err());
        byte[] weights = Files.readAllBytes(tmp.resolve("t/checkpoint/model.safetensors"));
        Run other = run(concat(base, "--iters", "3", "--resume", "--lr", "0.5"));
        assertEquals(2, other.code());
        assertTrue(other.err().contains("train.lr") && other.err().strip().lines().count() == 1, other.err());
        assertArrayEquals(weights, Files.readAllBytes(tmp.resolve("t/checkpoint/model.safetensors")), "refused: nothing rewritten");
        Run otherData = run("train-seg", "--data", tmp.resolve("b/real/train").toString(), "--out", tmp.resolve("t").toString(),
                "--batch", "2", "--crop", "32x64", "--width", "8", "--checkpoint-every", "1", "--iters", "3", "--resume");
        assertEquals(2, otherData.code());
        assertTrue(otherData.err().contains("data"), otherData.err());
        Run longer = run(concat(base, "--resume", "--iters", "4"));
        assertEquals(0, longer.code(), longer.err());
        Run fresh = run("train-seg", "--data", sim, "--out", tmp.resolve("f").toString(), "--iters", "1", "--batch", "2",
                "--crop", "32x64", "--width", "8", "--resume");
        assertEquals(0, fresh.code(), fresh.err());
        assertTrue(fresh.err().contains("starting a fresh run"), fresh.err());
        try (RunLock held = RunLock.acquire(tmp.resolve("locked"), "--out")) {
            Run locked = run("train-seg", "--data", sim, "--out", tmp.resolve("locked").toString(), "--iters", "1", "--batch", "2",
                    "--crop", "32x64", "--width", "8");
            assertEquals(2, locked.code());
            assertTrue(locked.err().contains("in use by another run") && locked.err().strip().lines().count() == 1, locked.err());
            assertFalse(Files.exists(tmp.resolve("locked/checkpoint")));
        }
        Run nan = run("train-seg", "--data", sim, "--out", tmp.resolve("nan").toString(), "--iters", "1", "--lr", "NaN");
        assertEquals(2, nan.code());
        assertTrue(nan.err().contains("'--lr': 'NaN' is not a finite number"), nan.err());
        assertFalse(Files.exists(tmp.resolve("nan")), "nothing written");
        Run diff = run("diffusion", "train", "--data", tmp.resolve("b/real/train").toString(), "--out", tmp.resolve("d").toString(),
                "--iters", "2", "--size", "16x32");
        assertEquals(0, diff.code(), diff.err());
        Run diffAgain = run("diffusion", "train", "--data", tmp.resolve("b/real/train").toString(), "--out", tmp.resolve("d").toString(),
                "--iters", "2", "--size", "16x32");
        assertEquals(2, diffAgain.code());
        assertTrue(diffAgain.err().contains("--resume"), diffAgain.err());
    }

    @Test
    void controlnetTrainAndFinetuneWriteDiffusersFolders(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        try (ai.djl.ndarray.NDManager m = org.diffuda.util.Engines.engine().newBaseManager()) {
            var p = org.diffuda.util.Generator.of(1, "init").seeded(() -> org.diffuda.diffusion.PipelineIoTest.tiny(m));
            org.diffuda.diffusion.io.PipelineFolder.save(tmp.resolve("sd"),
                    new org.diffuda.diffusion.io.PipelineFolder.StableDiffusion(p.unet(), p.vae(), p.textEncoder(), p.tokenizer(),
                            p.scheduler(), null), false);
        }
        Run cn = run("controlnet", "train", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--prompt", "driving at night", "--iters", "2", "--batch", "2", "--out", tmp.resolve("cn").toString());
        assertEquals(0, cn.code(), cn.err());
        assertTrue(Files.isRegularFile(tmp.resolve("cn/controlnet/config.json"))
                && Files.isRegularFile(tmp.resolve("cn/controlnet/diffusion_pytorch_model.safetensors")));
        JsonNode cc = Json.MAPPER.readTree(tmp.resolve("cn/controlnet/config.json").toFile());
        assertEquals("ControlNetModel", cc.get("_class_name").asText());
        assertEquals(3, cc.get("conditioning_channels").asInt());
        try (ai.djl.ndarray.NDManager m = org.diffuda.util.Engines.engine().newBaseManager()) {
            var loaded = org.diffuda.diffusion.io.PipelineFolder.loadControlNet(tmp.resolve("cn/controlnet"), m);
            float zeroConv = org.diffuda.nn.ParamNames.of(loaded).get("controlnet_mid_block.weight").getArray().abs().sum().getFloat();
            assertTrue(zeroConv > 0, "training moved the zero convolution");
        }
        // --controlnet: start from a trained ControlNet instead of the U-Net copy (its zero convolutions are not zero)
        Run more = run("controlnet", "train", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--controlnet", tmp.resolve("cn/controlnet").toString(), "--lr", "1e-9", "--iters", "1", "--batch", "2",
                "--height", "16", "--width", "32", "--out", tmp.resolve("cn2").toString());
        assertEquals(0, more.code(), more.err());
        JsonNode plainRun = Json.MAPPER.readTree(tmp.resolve("cn/checkpoint/config.json").toFile());
        assertFalse(plainRun.get("recipe").has("size") || plainRun.get("recipe").get("recipe").has("controlnet"),
                "options left at their defaults stay out of the run config (older checkpoints still resume): " + plainRun);
        JsonNode moreRun = Json.MAPPER.readTree(tmp.resolve("cn2/checkpoint/config.json").toFile());
        assertEquals("[16,32]", moreRun.get("recipe").get("size").toString(), "trained at twice the pipeline's 8x16");
        assertEquals(4, Json.MAPPER.readTree(tmp.resolve("cn2/controlnet/config.json").toFile()).get("sample_size").asInt(),
                "the written config keeps the U-Net's sample size");
        Run odd = run("controlnet", "train", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--iters", "1", "--height", "12", "--width", "32", "--out", tmp.resolve("cn4").toString());
        assertEquals(2, odd.code());
        assertTrue(odd.err().contains("--height 12 --width 32: each must be a multiple of 8"), odd.err());
        try (ai.djl.ndarray.NDManager m = org.diffuda.util.Engines.engine().newBaseManager()) {
            var start = org.diffuda.nn.ParamNames.of(org.diffuda.diffusion.io.PipelineFolder.loadControlNet(tmp.resolve("cn/controlnet"), m));
            var after = org.diffuda.nn.ParamNames.of(org.diffuda.diffusion.io.PipelineFolder.loadControlNet(tmp.resolve("cn2/controlnet"), m));
            assertTrue(after.get("controlnet_mid_block.weight").getArray().allClose(start.get("controlnet_mid_block.weight").getArray(),
                    0, 1e-6, false), "continued from the given ControlNet's weights");
        }
        Run misfit = run("controlnet", "train", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--controlnet", tmp.resolve("cn/controlnet").toString(), "--label-input", "onehot", "--iters", "1", "--batch", "2",
                "--out", tmp.resolve("cn3").toString());
        assertEquals(2, misfit.code());
        assertTrue(misfit.err().contains("--controlnet") && misfit.err().strip().lines().count() == 1, misfit.err());
        assertFalse(Files.exists(tmp.resolve("cn3")), "nothing written");
        Run ft = run("finetune", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--prompt", "driving at night", "--iters", "2", "--batch", "2", "--out", tmp.resolve("ft").toString());
        assertEquals(0, ft.code(), ft.err());
        assertFalse(Json.MAPPER.readTree(tmp.resolve("ft/checkpoint/config.json").toFile()).has("size"));
        Run ftAt = run("finetune", "unet", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--prompt", "driving at night", "--iters", "1", "--batch", "2", "--height", "16", "--width", "32",
                "--out", tmp.resolve("ft2").toString());
        assertEquals(0, ftAt.code(), ftAt.err());
        assertEquals("[16,32]", Json.MAPPER.readTree(tmp.resolve("ft2/checkpoint/config.json").toFile()).get("size").toString());
        assertEquals(4, Json.MAPPER.readTree(tmp.resolve("ft2/unet/config.json").toFile()).get("sample_size").asInt());
        for (String f : List.of("model_index.json", "unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                "scheduler/scheduler_config.json")) {
            assertTrue(Files.isRegularFile(tmp.resolve("ft/pipeline").resolve(f)), f);
        }
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("sd/unet/diffusion_pytorch_model.safetensors")),
                Files.readAllBytes(tmp.resolve("ft/pipeline/unet/diffusion_pytorch_model.safetensors"))), "the U-Net was trained");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("sd/text_encoder/model.safetensors")),
                Files.readAllBytes(tmp.resolve("ft/pipeline/text_encoder/model.safetensors")), "the text encoder stayed frozen");
        Run noPrompt = run("finetune", "--pipeline", tmp.resolve("sd").toString(), "--data", tmp.resolve("b/real/train").toString(),
                "--out", tmp.resolve("np").toString());
        assertEquals(2, noPrompt.code());
        assertTrue(noPrompt.err().contains("--prompt"), noPrompt.err());
    }

    @Test
    void theSameTrainingCommandTwiceWritesTheSameBytes(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        for (String out : List.of("s1", "s2")) {
            Run r = run("train-seg", "--data", tmp.resolve("b/sim/train").toString(), "--out", tmp.resolve(out).toString(),
                    "--iters", "3", "--batch", "2", "--crop", "32x64", "--width", "8", "--seed", "4");
            assertEquals(0, r.code(), r.err());
            Run d = run("diffusion", "train", "--data", tmp.resolve("b/real/train").toString(), "--out",
                    tmp.resolve(out + "-ddpm").toString(), "--iters", "3", "--size", "16x32", "--seed", "4");
            assertEquals(0, d.code(), d.err());
        }
        for (String f : List.of("model/model.safetensors", "checkpoint/model.safetensors", "checkpoint/optimizer.safetensors",
                "checkpoint/state.json", "-ddpm/unet/diffusion_pytorch_model.safetensors", "-ddpm/checkpoint/ema.safetensors",
                "-ddpm/checkpoint/optimizer.safetensors", "-ddpm/checkpoint/state.json")) {
            Path a = f.startsWith("-") ? tmp.resolve("s1" + f) : tmp.resolve("s1").resolve(f);
            Path b = f.startsWith("-") ? tmp.resolve("s2" + f) : tmp.resolve("s2").resolve(f);
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), f);
        }
    }

    /** Out-of-range options, devices that are not there and unknown config keys: one line naming them, exit 2, nothing written. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "--batch|0|--batch", "--batch|-3|--batch", "--checkpoint-every|0|--checkpoint-every", "--width|0|--width",
        "--threads|0|--threads", "--iters|x|--iters", "--lr|NaN|--lr", "--lr|-1|--lr", "--device|gpu|--device",
        "--device|tpu|--device", "--device|gpu:x|--device", "--bogus|1|--bogus"})
    void badOptionsAreOneLineAtParseTime(String option, String value, String named, @TempDir Path tmp) {
        Path out = tmp.resolve("run");
        Run r = run("train-seg", "--data", tmp.toString(), "--out", out.toString(), option, value);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("diffuda: error: ") && r.err().contains(named), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** An I/O failure on the output side (here: --out below a regular file) is one line naming the path, not an internal error. */
    @Test
    void outputFailuresAreOneLine(@TempDir Path tmp) throws Exception {
        Run made = run(tinyBench(tmp.resolve("b")));
        assertEquals(0, made.code(), made.err());
        Files.writeString(tmp.resolve("afile"), "x");
        Run r = run("train-seg", "--data", tmp.resolve("b/sim/train").toString(), "--out", tmp.resolve("afile/run").toString(),
                "--iters", "1", "--batch", "2", "--width", "8");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("diffuda: error: ") && r.err().contains("afile") && r.err().strip().lines().count() == 1, r.err());
    }

    @Test
    void configFilesWithUnknownKeysOrBrokenSyntaxAreRefused(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Files.writeString(tmp.resolve("typo.yaml"), "itres: 3\n");
        Run r = run("train-seg", "--config", tmp.resolve("typo.yaml").toString(), "--data", tmp.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown key 'itres' (did you mean 'iters'?)") && r.err().strip().lines().count() == 1, r.err());
        Files.writeString(tmp.resolve("section.yaml"), "train-seg:\n  batchsize: 4\n");
        r = run("train-seg", "--config", tmp.resolve("section.yaml").toString(), "--data", tmp.toString(), "--out", out.toString());
        assertTrue(r.code() == 2 && r.err().contains("'train-seg.batchsize'"), r.err());
        Files.writeString(tmp.resolve("broken.yaml"), "iters: [3\n  - x: :\n");
        r = run("train-seg", "--config", tmp.resolve("broken.yaml").toString(), "--data", tmp.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("diffuda: error: --config ") && r.err().strip().lines().count() == 1, r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit(@TempDir Path tmp) {
        Run r = run("evaluate", "--model", tmp.resolve("none").toString(), "--data", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("diffuda: error: ") && r.err().strip().lines().count() == 1, r.err());
        r = run("benchmark", "make", "--out", tmp.resolve("x").toString(), "--size", "64by128");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--size 64by128"), r.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing half-written");
        r = run("train-seg", "--data", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nowhere"), r.err());
    }

    @Test
    void benchSegWritesJson(@TempDir Path tmp) throws Exception {
        Run r = run("bench", "seg", "--out", tmp.resolve("s.json").toString(), "--iterations", "1", "--warmup", "0",
                "--batch", "2", "--size", "32x64");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(tmp.resolve("s.json").toFile());
        assertTrue(j.get("train_images_per_s").asDouble() > 0 && j.get("inference_images_per_s").asDouble() > 0);
        assertTrue(j.get("intra_op_threads").asInt() >= 1);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void translateSggWritesAFolderDatasetAndRejectsBadOptions(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        String sim = tmp.resolve("b/sim/train").toString();
        Run t = run("train-seg", "--data", sim, "--out", tmp.resolve("t").toString(), "--iters", "2", "--batch", "2",
                "--crop", "32x64", "--width", "8");
        assertEquals(0, t.code(), t.err());
        Run d = run("diffusion", "train", "--data", tmp.resolve("b/real/train").toString(), "--out", tmp.resolve("d").toString(),
                "--iters", "2", "--size", "16x32");
        assertEquals(0, d.code(), d.err());
        String[] args = {"translate", "sgg", "--denoiser", tmp.resolve("d").toString(), "--segmenter", tmp.resolve("t/model").toString(),
            "--images", sim, "--out", tmp.resolve("tr").toString(), "--steps", "10", "--step-stride", "5", "--size", "16x32",
            "--limit", "3", "--guidance", "local-then-global"};
        Run tr = run(args);
        assertEquals(0, tr.code(), tr.err());
        try (var s = Files.list(tmp.resolve("tr/images")); var l = Files.list(tmp.resolve("tr/labels"))) {
            assertEquals(3, s.count());
            assertEquals(3, l.count());
        }
        assertTrue(Files.exists(tmp.resolve("tr-grid.png")));
        Run again = run(args);
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--out") && again.err().strip().lines().count() == 1, again.err());
        Run bad = run("adapt", "sgg-ptl", "--out", tmp.resolve("x").toString(), "--guidance", "sideways");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--guidance sideways"), bad.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on bad options");
        Run badVar = run("adapt", "sgg-ptl", "--out", tmp.resolve("x").toString(), "--variance", "fixed_medium");
        assertEquals(2, badVar.code());
        assertTrue(badVar.err().contains("--variance fixed_medium") && badVar.err().strip().lines().count() == 1, badVar.err());
        assertFalse(Files.exists(tmp.resolve("x")), "nothing written on bad options");
    }

    /**
     * A method run refused on an --out that holds an earlier run (no --resume, or other settings)
     * leaves that run's files as they were: the effective-options config.json is written only after
     * the run, never by the refused command.
     */
    @Test
    void aRefusedMethodRunLeavesTheEarlierRunUntouched(@TempDir Path tmp) throws Exception {
        assertEquals(0, run(tinyBench(tmp.resolve("b"))).code());
        String b = tmp.resolve("b").toString(), out = tmp.resolve("d").toString();
        String[] daformer = {"adapt", "daformer", "--data", b, "--out", out, "--batch", "2", "--crop", "32x64", "--width", "8"};
        Run first = run(concat(daformer, "--iters", "2"));
        assertEquals(0, first.code(), first.err());
        byte[] cfg = Files.readAllBytes(tmp.resolve("d/config.json"));
        Run again = run(concat(daformer, "--iters", "3"));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--resume") && again.err().strip().lines().count() == 1, again.err());
        Run other = run(concat(daformer, "--iters", "2", "--resume", "--lr", "0.5"));
        assertEquals(2, other.code(), other.err());
        assertArrayEquals(cfg, Files.readAllBytes(tmp.resolve("d/config.json")), "the refused commands wrote nothing");

        Path sgg = Files.createDirectories(tmp.resolve("s"));
        Files.writeString(sgg.resolve("run.json"), "{\"seed\": 99}");
        Run noResume = run("adapt", "sgg-ptl", "--data", b, "--out", sgg.toString()); // the shipped denoiser
        assertEquals(2, noResume.code());
        assertTrue(noResume.err().contains("pass --resume"), noResume.err());
        Run otherRun = run("adapt", "sgg-ptl", "--data", b, "--out", sgg.toString(), "--resume");
        assertEquals(2, otherRun.code());
        assertTrue(otherRun.err().contains("another configuration"), otherRun.err());
        try (var files = Files.list(sgg)) {
            assertEquals(List.of("run.json"), files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
        }
        assertEquals("{\"seed\": 99}", Files.readString(sgg.resolve("run.json")));
    }

    /** leaderboard --run plans every method's default, resumes a started folder, and skips a finished one. */
    @Test
    void leaderboardRunPlansEveryDefaultAndSkipsFinishedRuns(@TempDir Path tmp) throws Exception {
        LeaderboardCommand c = new LeaderboardCommand();
        new picocli.CommandLine(c).parseArgs("--seeds", "0,1", "--conditions", "night,fog");
        Files.createDirectories(tmp.resolve("cicld"));
        Files.createDirectories(tmp.resolve("sgg-ptl-s1"));
        List<LeaderboardCommand.Job> jobs = c.jobs(tmp);
        List<String> lines = jobs.stream().map(j -> String.join(" ", j.args())).toList();
        assertTrue(lines.contains("adapt cicld --seeds 0,1 --out " + tmp.resolve("cicld") + " --resume"), "a started table resumes: " + lines);
        assertTrue(lines.contains("adapt sgg-ptl --seed 1 --out " + tmp.resolve("sgg-ptl-s1") + " --resume"), "every method resumes: " + lines);
        assertTrue(lines.contains("adapt daformer --seed 0 --out " + tmp.resolve("daformer-s0")));
        assertTrue(lines.contains("adapt zodi --target-condition fog --seeds 0,1 --out " + tmp.resolve("zodi-fog")));
        assertEquals(2 + 2 * 2 + 2 + 1, jobs.size(), "CICLD, DAFormer and SGG+PTL per seed, ZoDi per condition, DATUM, U-Net swap");
        for (LeaderboardCommand.Job j : jobs) { // every run finished: --run trains nothing and the board is built
            Files.createDirectories(j.out());
            Json.writeFile(j.out().resolve("metrics.json"), java.util.Map.of("results", List.of(org.diffuda.report.Results.row(
                    j.args().get(1), "default", org.diffuda.report.Results.NO_TARGET, "val", List.of(0L),
                    List.of(new org.diffuda.segmentation.EvalResult("val", 1, java.util.Map.of(), 10.0, 11.0, 12.0, 0.5, null)), 1.0, 10))));
        }
        Run r = run("leaderboard", "--run", "--runs", tmp.toString(), "--out", tmp.resolve("lb").toString(), "--seeds", "0,1",
                "--conditions", "night,fog");
        assertEquals(0, r.code(), r.err());
        assertEquals(jobs.size(), r.out().split("is finished; skipped", -1).length - 1, r.out());
        assertTrue(Files.isRegularFile(tmp.resolve("lb/leaderboard.md")));
    }
}
