package org.diffuda.methods.sggptl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Readers;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.diffusion.schedulers.Scheduler;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.SegTrainer;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Checkpoint;
import org.diffuda.training.Trainer;
import org.diffuda.util.AtomicFiles;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;
import org.diffuda.util.Configs;
import org.diffuda.util.Rng;
import org.diffuda.util.RunLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peng et al.'s method, as its algorithm box reads:
 * <pre>
 *   D  ← DDPM trained on target images                         (or loaded)
 *   g₀ ← segmenter trained on X^S, 10% noised + class-masked    (or shared)
 *   for n = s, 2s, …, N:
 *       X^n ← SGG(φⁿ(X^S), g_{n−1})                            Translator + SemanticGradientGuidance
 *       g_n ← g_{n−1} fine-tuned K iterations on CE(X^n) + CE(X^S), same augmentation
 *   return g_N, X^N
 * </pre>
 * Every stage leaves {@code stages/n-XXXX/} with its translated images, model and
 * {@code stage.json}; a stage whose stage.json exists is not run again, so a killed run resumes
 * at the first unfinished stage (and inside it, at the fine-tuning checkpoint).
 */
public final class SggPtl {
    private static final Logger LOG = LoggerFactory.getLogger(SggPtl.class);

    /**
     * @param denoiser a trained pixel DDPM folder, or null to train one on {@code target} into out/denoiser
     * @param g0       a g₀ folder to share (ablations), or null to train into out/g0
     */
    public record Spec(String source, String target, String val, Path out, Path denoiser, Path g0, SegModelConfig model,
                       TrainConfig g0Train, SggPtlConfig cfg, long seed, Evaluator.Options eval, BadInput bad,
                       DenoiserTraining denoiserTraining, boolean resume) {}

    /** How to train the denoiser when none is given. */
    public interface DenoiserTraining {
        PixelDdpm.Trained train(List<Dataset> target, Path out, long seed, BadInput bad);

        /** The embedded recipe: the small pixel U-Net at 32×64 for {@code iterations}. */
        static DenoiserTraining small(int iterations) {
            return (target, out, seed, bad) -> {
                PixelDdpm.Recipe r = PixelDdpm.Recipe.small(32, 64, iterations, "epsilon");
                return PixelDdpm.train(target, out, r.unet(), r.scheduler(), r.train(), seed, bad);
            };
        }
    }

    public record Stage(int n, int reverseSteps, int images, double translateSeconds, double finetuneSeconds,
                        double finalLoss, EvalResult eval) {}

    public record Result(Path out, EvalResult g0, EvalResult result, List<Stage> stages, double seconds) {}

    /**
     * Bumped when what a stage computes changes for the same settings, so that stages left by an
     * older diffuda are not mixed into a new run. 2: stage fine-tuning keeps the noisy/masked augmentation.
     * 3: every random draw comes from its own generator (issue #10).
     */
    static final int RECIPE = 3;

    private SggPtl() {}

    public static Result run(Spec s) {
        try (RunLock lock = RunLock.acquire(s.out(), "--out")) {
            return locked(s);
        }
    }

    private static Result locked(Spec s) {
        long t0 = System.nanoTime();
        Dataset source = Datasets.openLabelled("--source", s.source(), s.bad());
        Dataset val = s.val() == null ? null : Datasets.open(s.val(), s.bad());
        Path denoiserDir = s.denoiser() != null ? s.denoiser() : s.out().resolve("denoiser");
        boolean trainDenoiser = !Files.isDirectory(denoiserDir.resolve("unet"));
        if (trainDenoiser) {
            if (s.denoiser() != null) {
                throw new DiffudaException("--denoiser " + s.denoiser() + ": no unet/ folder (expected a diffusers DDPMPipeline folder)");
            }
            if (s.target() == null) {
                throw new DiffudaException("--target: needed to train the denoiser (or pass --denoiser)");
            }
        }
        guardSameRun(s); // before any work: an earlier run in --out is continued only with --resume and the same settings
        if (trainDenoiser) {
            LOG.info("training the target denoiser on {}", s.target());
            s.denoiserTraining().train(List.of(Datasets.open(s.target(), s.bad())), denoiserDir, s.seed(), s.bad());
        }
        SggPtlConfig c = s.cfg();
        List<Stage> stages = new ArrayList<>();
        Path g0Dir = s.g0() != null ? s.g0() : s.out().resolve("g0");
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel unet = PixelDdpm.load(denoiserDir, m);
            SchedulerConfig sc = PixelDdpm.scheduler(denoiserDir);
            EvalResult g0Eval = trainG0(s, source, val, sc, g0Dir);
            Segmenter g = SegModels.load(g0Dir.resolve("model"), m);
            int[] subset = subset(source.size(), c.translateImages(), s.seed());
            for (int n : c.stages()) {
                stages.add(stage(s, source, val, unet, sc, g, subset, n));
            }
            Path last = stageDir(s.out(), c.stages().get(c.stages().size() - 1));
            publish(last.resolve("translated"), s.out().resolve("translated"));
            Checkpoint.save(s.out().resolve("model"), SegTrainer.config(s.model(), s.g0Train(), s.seed()), g, null, null);
            EvalResult fin = stages.get(stages.size() - 1).eval();
            double secs = (System.nanoTime() - t0) / 1e9;
            Result r = new Result(s.out(), g0Eval, fin, stages, secs);
            SggPtlReport.write(s, source, subset, r);
            return r;
        }
    }

    /**
     * Stages found in --out are reused only by the run that made them, and only when asked to
     * (--resume): out/run.json records what decides their content; a run without --resume, or
     * with other settings, pointed at the same folder stops with an error naming what differs.
     */
    static void guardSameRun(Spec s) {
        Map<String, Object> id = new LinkedHashMap<>();
        id.put("source", s.source());
        id.put("config", s.cfg());
        id.put("model", s.model());
        id.put("g0_train", s.g0Train());
        id.put("seed", s.seed());
        id.put("recipe", RECIPE);
        Checkpoint.guard(s.out(), "run.json", id, "SGG+PTL run", s.resume());
    }

    /** g₀: source training with the noisy/masked augmentation; skipped when g0/model exists. */
    static EvalResult trainG0(Spec s, Dataset source, Dataset val, SchedulerConfig sc, Path dir) {
        Path metrics = dir.resolve("metrics.json");
        if (Checkpoint.exists(dir.resolve("model")) && Files.isRegularFile(metrics)) {
            LOG.info("g0: reusing {}", dir);
            return Json.readFile(metrics, G0.class).eval();
        }
        LOG.info("g0: training on {} ({} iterations)", s.source(), s.g0Train().iterations());
        try (NDManager m = Engines.engine().newBaseManager()) {
            Segmenter g = Generator.of(s.seed(), "init:segmenter").seeded(() -> SegModels.create(s.model(), m));
            var augment = augment(s.cfg(), sc);
            Map<String, Object> config = SegTrainer.config(s.model(), s.g0Train(), s.seed());
            var res = new SegTrainer(g, s.g0Train(), s.seed()).withAugment(augment)
                    .train(List.of(source), dir.resolve("checkpoint"), config, s.bad(), 0);
            Checkpoint.save(dir.resolve("model"), config, g, null, null);
            EvalResult ev = val == null ? null : Evaluator.evaluate(g, val, s.eval(), s.bad(), p -> {});
            Json.writeFile(metrics, new G0(s.source(), s.g0Train().iterations(), res.seconds(), ev));
            return ev;
        }
    }

    /** What out/g0/metrics.json holds. */
    public record G0(String source, int iterations, double seconds, EvalResult eval) {}

    /** One PTL stage: translate with g_{n−1}'s guidance, then fine-tune g in place. */
    static Stage stage(Spec s, Dataset source, Dataset val, UNet2DModel unet, SchedulerConfig sc, Segmenter g,
                       int[] subset, int n) {
        SggPtlConfig c = s.cfg();
        Path dir = stageDir(s.out(), n);
        Path done = dir.resolve("stage.json");
        if (Files.isRegularFile(done)) {
            Checkpoint.loadWeights(dir.resolve("model"), g);
            LOG.info("stage n={}: done earlier, continuing from {}", n, dir);
            return Json.readFile(done, Stage.class);
        }
        long t0 = System.nanoTime();
        Path translated = dir.resolve("translated");
        if (!Files.isDirectory(translated)) {
            Arrangement a = c.guided() ? Arrangement.parse(c.arrangement()) : null;
            TranslatedDataset.write(translated, source, subset, c.batch(), s.bad(), n, (images, labels, batchIndex) ->
                    Translator.translate(unet, sc, g, images, labels, new Translator.Options(n, c.stepStride(), c.lambda(), a,
                            c.translateHeight(), c.translateWidth(), Translator.batchSeed(s.seed(), n, batchIndex), c.variance())));
        }
        double translateSecs = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        List<Dataset> data = new ArrayList<>(List.of(Readers.folder(translated, s.bad())));
        if (c.sourceTerm()) {
            data.add(source);
        }
        TrainConfig ft = finetune(s.g0Train(), c);
        long seed = Rng.mix(s.seed(), 0xF7, n);
        Map<String, Object> config = SegTrainer.config(s.model(), ft, seed);
        // g_n guides stage n+1, so it keeps g₀'s noisy/masked augmentation: Peng et al. add it
        // "during the training of the segmentation model" because SGG needs g to classify noisy,
        // masked x_t. Without it, g₂-guided X³⁰⁰ agreed less with the source labels than
        // g₀-guided X³⁰⁰ (oracle mIoU 18.5/14.7 vs 19.3/20.5, seeds 0/1).
        Trainer.Result res = new SegTrainer(g, ft, seed).withAugment(augment(c, sc))
                .train(data, dir.resolve("checkpoint"), config, s.bad(), 0);
        Checkpoint.save(dir.resolve("model"), config, g, null, null);
        double ftSecs = (System.nanoTime() - t1) / 1e9;
        EvalResult ev = val == null ? null : Evaluator.evaluate(g, val, s.eval(), s.bad(), p -> {});
        int steps = org.diffuda.diffusion.schedulers.DdpmScheduler.tailLength(n, c.stepStride());
        double loss = res.history().stream().skip(Math.max(0, res.history().size() - 20))
                .mapToDouble(Trainer.Record::loss).average().orElse(Double.NaN);
        Stage st = new Stage(n, steps, subset.length, translateSecs, ftSecs, loss, ev);
        Json.writeFile(done, st);
        LOG.info("stage n={}: translated {} images in {} s, fine-tuned in {} s{}", n, subset.length,
                String.format("%.0f", translateSecs), String.format("%.0f", ftSecs),
                ev == null ? "" : String.format(", mIoU19 %.2f", ev.miou19()));
        return st;
    }

    /** The noisy/masked augmentation every training of g uses (g₀ and each stage). */
    static NoisyMaskedAugment augment(SggPtlConfig c, SchedulerConfig sc) {
        return new NoisyMaskedAugment(Scheduler.create(sc).noise(), c.noisyFraction(), c.maxSteps());
    }

    /** Fine-tuning recipe of a stage: g₀'s recipe with K iterations, the stage lr and a K/10 warm-up. */
    static TrainConfig finetune(TrainConfig g0, SggPtlConfig c) {
        return Configs.with(g0, "iterations", c.finetuneIters(), "lr", c.finetuneLr(),
                "warmupIters", Math.max(1, c.finetuneIters() / 10),
                "checkpointEvery", Math.max(1, Math.min(g0.checkpointEvery(), c.finetuneIters())));
    }

    static Path stageDir(Path out, int n) {
        return out.resolve("stages").resolve(String.format("n-%04d", n));
    }

    /** A seeded choice of {@code k} source indices (all, in order, when k is 0 or ≥ size). */
    static int[] subset(int size, int k, long seed) {
        if (k <= 0 || k >= size) {
            return java.util.stream.IntStream.range(0, size).toArray();
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, Rng.random(seed, 0x5B));
        return all.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Copies the final translated dataset to out/translated (through a temporary name). */
    static void publish(Path from, Path to) {
        if (Files.isDirectory(to)) {
            return;
        }
        try {
            AtomicFiles.copyTree(from, to);
        } catch (java.io.UncheckedIOException e) {
            throw new DiffudaException(to + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Object> summary(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("g0", r.g0());
        m.put("result", r.result());
        m.put("stages", r.stages());
        m.put("seconds", r.seconds());
        return m;
    }
}
