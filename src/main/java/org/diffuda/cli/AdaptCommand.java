package org.diffuda.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.diffuda.data.BadInput;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.methods.sggptl.Arrangement;
import org.diffuda.methods.sggptl.SggPtl;
import org.diffuda.methods.sggptl.SggPtlAblation;
import org.diffuda.methods.sggptl.SggPtlConfig;
import java.util.List;
import org.diffuda.segmentation.Baselines;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.uda.SelfTraining;
import org.diffuda.uda.UdaConfig;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "adapt", mixinStandardHelpOptions = true, description = "Domain adaptation methods, end to end.",
        subcommands = {AdaptCommand.SggPtlCommand.class, AdaptCommand.DaformerCommand.class, AdaptCommand.DatumCommand.class, AdaptCommand.ZodiCommand.class, AdaptCommand.UnetSwapCommand.class, AdaptCommand.CicldCommand.class})
public final class AdaptCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** The shipped pixel DDPM of the embedded benchmark's real domain. */
    static final Path SHIPPED_DENOISER = Path.of("models/ddpm-real");

    @Command(name = "sgg-ptl", mixinStandardHelpOptions = true,
            description = "Label-guided DDPM translation (Peng et al., ICCV'23): SGG-guided translation + progressive translation learning.")
    public static final class SggPtlCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset (default: DATA/sim/train).")
        String source;
        @Option(names = "--target", description = "Unlabelled target images for the denoiser (default: DATA/real/train).")
        String target;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real/val; 'none' to skip).")
        String val;
        @Option(names = "--out", defaultValue = "runs/sgg-ptl", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run in --out (every stage resumes where it stopped).")
        boolean resume;
        @Option(names = "--denoiser", description = "Trained pixel DDPM folder (default: the shipped models/ddpm-real for the embedded target; otherwise trained on --target).")
        Path denoiser;
        @Option(names = "--denoiser-iters", converter = Ranges.Count.class, defaultValue = "1200", description = "Iterations when the denoiser is trained (default: ${DEFAULT-VALUE}).")
        int denoiserIters;
        @Option(names = "--g0", description = "Reuse a g0 folder (model/ + metrics.json) instead of training one.")
        Path g0;

        @Option(names = "--profile-method", defaultValue = "small", description = "Method defaults: small (embedded) or real (the paper). Default: ${DEFAULT-VALUE}.")
        String methodProfile;
        @Option(names = "--steps", converter = Ranges.Count.class, description = "N: translation steps of the last stage.")
        Integer steps;
        @Option(names = "--stage-stride", converter = Ranges.Count.class, description = "s: PTL stages n = s, 2s, ..., N.")
        Integer stageStride;
        @Option(names = "--step-stride", converter = Ranges.Count.class, description = "Reverse steps visit every r-th timestep.")
        Integer stepStride;
        @Option(names = "--finetune-iters", converter = Ranges.NonNegative.class, description = "K: fine-tuning iterations per stage.")
        Integer finetuneIters;
        @Option(names = "--finetune-lr", converter = Ranges.Positive.class, description = "Learning rate of the fine-tuning stages.")
        Double finetuneLr;
        @Option(names = "--scale", converter = Ranges.NonNegativeReal.class, description = "Guidance scale lambda.")
        Double scale;
        @Option(names = "--variance", description = "Sigma of the reverse steps: fixed_large (beta_t, the paper) or fixed_small (posterior variance; small profile).")
        String variance;
        @Option(names = "--guidance", description = "alternate, local-then-global, global-then-local, random, local (w/o GSG), global (w/o LCG).")
        String guidance;
        @Option(names = "--images", converter = Ranges.Count.class, description = "Source images translated per stage (0: all).")
        Integer images;
        @Option(names = "--translate-size", description = "Denoiser working size HxW.")
        String translateSize;
        @Option(names = "--no-sgg", description = "Ablation w/o SGG: unguided translations.")
        boolean noSgg;
        @Option(names = "--no-ptl", description = "Ablation w/o PTL: one stage at n = N.")
        boolean noPtl;
        @Option(names = "--no-source-term", description = "Ablation: fine-tune on CE(X^n) only.")
        boolean noSourceTerm;
        @Option(names = "--baseline", description = "Ablation baseline: unguided translation at n = N, one stage.")
        boolean baseline;
        @Option(names = "--ablation-seeds", split = ",", description = "Seeds of the ablation rows (default: --seeds).")
        List<Long> ablationSeeds;
        @Option(names = "--layout-modes", split = ",", description = "Transfers made only for the layout judge and the grid, on the first --judge-images images (default with a judge: sdedit,controlnet,vae).")
        List<String> layoutModes;
        @Option(names = "--ablation", description = "Run every ablation of the paper's Table 2 (sharing the denoiser and g0) and print the table.")
        boolean ablation;

        @Spec
        CommandSpec spec;

        SggPtlConfig config() {
            int[] hw = translateSize == null ? null : Sizes.parse(translateSize, "--translate-size");
            return SggPtlConfig.compose(methodProfile, new SggPtlConfig.Switches(steps, stageStride, stepStride, finetuneIters,
                    finetuneLr, scale, variance, guidance, images, hw, noSgg, noPtl, noSourceTerm, baseline));
        }

        @Override
        public void run() {
            long t0 = System.nanoTime();
            SggPtlConfig c = config();
            boolean embedded = source == null || target == null || val == null;
            if (embedded) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            String src = source != null ? source : data.resolve("sim/train").toString();
            String tgt = target != null ? target : data.resolve("real/train").toString();
            String v = val != null ? ("none".equals(val) ? null : val) : data.resolve("real/val").toString();
            Path den = denoiser;
            if (den == null && target == null && Files.isDirectory(SHIPPED_DENOISER.resolve("unet"))) {
                den = SHIPPED_DENOISER;
                System.out.println("denoiser: the shipped " + SHIPPED_DENOISER + " (trained on the embedded real/train)");
            }
            BadInput bad = new BadInput(common.skipBad);
            SggPtl.Spec s = new SggPtl.Spec(src, tgt, v, out, den, g0, seg.model(), seg.train(), c, common.seed, seg.eval(), bad,
                    SggPtl.DenoiserTraining.small(denoiserIters), resume);
            if (ablation) {
                SggPtlAblation.Table t = SggPtlAblation.run(s);
                CommonOptions.writeEffective(spec, out);
                System.out.println();
                System.out.print(t.markdown());
                System.out.println("table: " + out.resolve("ablation.md"));
            } else {
                SggPtl.Result r = SggPtl.run(s);
                CommonOptions.writeEffective(spec, out);
                System.out.println();
                System.out.printf("g0 (source + noisy/masked):  mIoU19 %s%n", fmt(r.g0()));
                r.stages().forEach(st -> System.out.printf("after stage n=%-4d           mIoU19 %s%n", st.n(), fmt(st.eval())));
                System.out.println("translated dataset: " + out.resolve("translated"));
                System.out.println("report: " + out.resolve("report.html"));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wall time: %s (%.1f s)%n", Progress.fmt(secs), secs);
        }

        static String fmt(org.diffuda.segmentation.EvalResult e) {
            return e == null ? "-" : String.format("%.2f", e.miou19());
        }
    }

    @Command(name = "daformer", mixinStandardHelpOptions = true,
            description = "DAFormer self-training (EMA teacher, pseudo-labels, ClassMix, strong augmentation, RCS): labelled source + unlabelled target.")
    public static final class DaformerCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset(s), comma-separated (default: DATA/sim/train).", split = ",")
        List<String> source;
        @Option(names = "--target", description = "Unlabelled target image set(s), comma-separated (default: DATA/real/train).", split = ",")
        List<String> target;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real/val; 'none' to skip).")
        String val;
        @Option(names = "--out", defaultValue = "runs/daformer", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
        boolean resume;
        @Mixin
        UdaOptions uda;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            boolean embedded = source == null || target == null || val == null;
            if (embedded) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            UdaConfig c = uda.config(seg);
            List<String> src = source != null ? source : List.of(data.resolve("sim/train").toString());
            List<String> tgt = target != null ? target : List.of(data.resolve("real/train").toString());
            String v = val != null ? ("none".equals(val) ? null : val) : data.resolve("real/val").toString();
            SelfTraining.Outcome r = SelfTraining.run(new SelfTraining.Spec(src, tgt, v, out, seg.model(), c, common.seed, seg.eval(),
                    resume, new BadInput(common.skipBad)));
            CommonOptions.writeEffective(spec, out);
            if (r.eval() != null) {
                System.out.printf("DAFormer (student, last iteration): mIoU19 %.2f  mIoU16 %.2f  mIoU13 %.2f%n", r.eval().miou19(),
                        r.eval().miou16(), r.eval().miou13());
            }
            System.out.println("metrics: " + out.resolve("metrics.json"));
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wall time: %s (%.1f s)%n", Progress.fmt(secs), secs);
        }
    }

    @Command(name = "datum", mixinStandardHelpOptions = true,
            description = "DATUM one-shot UDA: DreamBooth on one target image, a class-prompted synthetic target set, DAFormer on source + generated.")
    public static final class DatumCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;
        @Mixin
        UdaOptions uda;
        @Mixin
        DatumOptions.Personalize personalize;
        @Mixin
        DatumOptions.Generate generate;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset(s), comma-separated (default: DATA/sim/train).", split = ",")
        List<String> source;
        @Option(names = "--target-image", description = "The one target image (PNG); repeat for several runs (default: picked from DATA/real/train by the seed).")
        List<Path> targetImages;
        @Option(names = "--target-images", converter = Ranges.Count.class, defaultValue = "1",
                description = "With no --target-image: how many real/train images to pick, one run each (the paper: 3). Default: ${DEFAULT-VALUE}.")
        int count;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real/val; 'none' to skip).")
        String val;
        @Option(names = "--base", defaultValue = "models/prior", description = "Text-to-image pipeline to personalise (default: ${DEFAULT-VALUE}).")
        Path base;
        @Option(names = "--variant", description = "Weights variant of --base, e.g. fp16.")
        String variant;
        @Option(names = "--dreambooth-lr", converter = Ranges.Positive.class, description = "DreamBooth's learning rate (embedded 1e-4, datum 5e-6).")
        Double dreamboothLr;
        @Option(names = "--one-shot-baseline", description = "Also run DAFormer with the one real image as the whole target set.")
        boolean oneShot;
        @Option(names = "--judge-samples", converter = Ranges.NonNegative.class, defaultValue = "10",
                description = "Samples per class prompt for the personalisation judges (embedded benchmark only; 0: off). Default: ${DEFAULT-VALUE}.")
        int judgeSamples;
        @Option(names = "--out", defaultValue = "runs/datum", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run in --out (every stage resumes where it stopped).")
        boolean resume;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            UdaConfig c = uda.config(seg);
            var db = personalize.config(dreamboothLr);
            var g = generate.config(personalize.recipe);
            boolean embedded = source == null || targetImages == null || val == null;
            if (embedded) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            BadInput bad = new BadInput(common.skipBad);
            List<String> src = source != null ? source : List.of(data.resolve("sim/train").toString());
            String v = val != null ? ("none".equals(val) ? null : val) : data.resolve("real/val").toString();
            List<Path> imgs = targetImages != null ? targetImages
                    : org.diffuda.methods.datum.Datum.pick(org.diffuda.data.Datasets.open(data.resolve("real/train").toString(), bad), count,
                            common.seed);
            Path bench = Files.isDirectory(data.resolve("prior")) && Files.isDirectory(data.resolve("sim/train")) ? data : null;
            var s = new org.diffuda.methods.datum.Datum.Spec(src, imgs, v, out, base, variant, seg.model(), c, db, g, common.seed, seg.eval(),
                    resume, oneShot, bench, judgeSamples, bad);
            var results = org.diffuda.methods.datum.Datum.run(s);
            CommonOptions.writeEffective(spec, out);
            System.out.println();
            for (var r : results) {
                System.out.printf("%s: DATUM mIoU19 %s%s%n", r.image(), SggPtlCommand.fmt(r.datum()),
                        r.oneShot() == null ? "" : "   one-shot DAFormer " + SggPtlCommand.fmt(r.oneShot()));
                if (r.judge() != null) {
                    System.out.printf("  generated set judged real: %.1f%%%n", 100 * ((Number) r.judge().get("generated_set_share_judged_real")).doubleValue());
                }
            }
            System.out.println("metrics: " + out.resolve("metrics.json") + "   report: " + out.resolve("report.html"));
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("wall time: %s (%.1f s)%n", Progress.fmt(secs), secs);
        }
    }

    @Command(name = "zodi", mixinStandardHelpOptions = true,
            description = "ZoDi (zero-shot): transfer the source to a domain named by a prompt, then train on both with a feature-similarity loss.")
    public static final class ZodiCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;
        @Mixin
        ZodiOptions zodi;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset (default: DATA/real/train, the clear-weather images).")
        String source;
        @Option(names = "--generated", description = "A finished transfer zodi folder: run stage 2 only, on it.")
        Path generated;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real-CONDITION/val; 'none' to skip).")
        String val;
        @Option(names = "--lambda-sim", converter = Ranges.NonNegativeReal.class, defaultValue = "0.1", description = "λ of the feature-similarity loss (default: ${DEFAULT-VALUE}).")
        double lambdaSim;
        @Option(names = "--seeds", split = ",", description = "Stage-2 seeds, one training each, reported as mean ± std (default: --seed). Transfers use the first.")
        List<Long> seeds;
        @Option(names = "--ablation-seeds", split = ",", description = "Seeds of the ablation rows (default: --seeds).")
        List<Long> ablationSeeds;
        @Option(names = "--layout-modes", split = ",", description = "Transfers made only for the layout judge and the grid, on the first --judge-images images (default with a judge: sdedit,controlnet,vae).")
        List<String> layoutModes;
        @Option(names = "--ablation", description = "Also the paper's ablation rows: SDEdit, InST, w/o SI, w/o L_sim, and the VAE round trip (no transfer).")
        boolean ablation;
        @Option(names = "--arms", split = ",", description = "Rows to train, of zodi, sdedit, inst, no-si, no-sim, vae (the pipeline's round trip, no transfer), or none (only the baseline and the judge); default: zodi; with --ablation: all.")
        List<String> arms;
        @Option(names = "--no-source-only", description = "Skip the source-only baseline.")
        boolean noSourceOnly;
        @Option(names = "--judge", description = "Labelled target-condition train split for the diagnostic layout judge (default on the embedded benchmark without --generated: DATA/real-CONDITION/train; 'none' to skip).")
        String judge;
        @Option(names = "--judge-images", converter = Ranges.NonNegative.class, defaultValue = "100",
                description = "Images (first by id) the layout judge compares transfers on, and label maps the ControlNet samples from pure noise (0: every image, no samples from noise; default: ${DEFAULT-VALUE}).")
        int judgeImages;
        @Option(names = "--out", defaultValue = "runs/zodi", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run in --out (every stage resumes where it stopped).")
        boolean resume;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            var c = zodi.config(zodi.condition == null && zodi.prompt == null ? "night" : null);
            String cond = zodi.condition != null ? zodi.condition : (zodi.prompt == null ? "night" : null);
            boolean embedded = source == null || (val == null && cond != null);
            if (embedded) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            if (val == null && cond == null) {
                throw new DiffudaException("--val: give the target validation set (or --target-condition on the embedded benchmark)");
            }
            String src = source != null ? source : data.resolve("real/train").toString();
            String v = val != null ? ("none".equals(val) ? null : val) : data.resolve("real-" + cond + "/val").toString();
            String j = judge != null ? ("none".equals(judge) ? null : judge)
                    : generated == null && cond != null && Files.isDirectory(data.resolve("real-" + cond + "/train/labels"))
                            ? data.resolve("real-" + cond + "/train").toString() : null;
            TrainConfig t = switch (seg.profile) {
                case "deeplab" -> seg.train(TrainConfig.zodiReal());
                case "small" -> seg.train(org.diffuda.util.Configs.with(TrainConfig.small(), "batchSize", 4)); // 4 pairs: 8 images, as source-only's batch
                default -> seg.train();
            };
            List<String> a = arms != null ? (arms.equals(List.of("none")) ? List.of() : arms)
                    : ablation ? List.copyOf(org.diffuda.methods.zodi.Zodi.ARMS.keySet()) : List.of("zodi");
            List<Long> sd = seeds != null ? seeds : List.of(common.seed);
            var plan = new org.diffuda.methods.zodi.Zodi.Plan(sd, ablationSeeds != null ? ablationSeeds : sd, a,
                    layoutModes != null ? layoutModes : j == null ? List.of() : List.of("sdedit", "controlnet", "vae"), !noSourceOnly, judgeImages);
            var s = new org.diffuda.methods.zodi.Zodi.Spec(src, v, out, zodi.models(true), c, generated,
                    seg.model(), t, lambdaSim, plan, j, seg.eval(), resume, new BadInput(common.skipBad));
            var m = org.diffuda.methods.zodi.Zodi.run(s);
            CommonOptions.writeEffective(spec, out);
            printTable(m, "layout", "layout judge", out, t0);
        }
    }

    @Command(name = "unet-swap", mixinStandardHelpOptions = true,
            description = "U-Net swap: domain U-Nets, a ControlNet trained with U_src on source, generation swapped to U_tgt (RCS + SCR), "
                    + "then segmenters on the generated set alone, with the source, and DAFormer on generated + target.")
    public static final class UnetSwapCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;
        @Mixin
        UnetSwapOptions swap;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset (default: DATA/sim/train).")
        String source;
        @Option(names = "--target", description = "Unlabelled target images (default: DATA/real/train; its labels are never read).")
        String target;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real/val).")
        String val;
        @Option(names = "--judge", description = "Labelled target set for the diagnostic judge (default on the embedded benchmark: DATA/real/train; 'none' to skip).")
        String judge;
        @Option(names = "--base", defaultValue = "models/prior", description = "Base text-to-image pipeline (default: ${DEFAULT-VALUE}).")
        Path base;
        @Option(names = "--variant", description = "Weights variant, e.g. fp16.")
        String variant;
        @Option(names = "--unet-source", description = "U_src, a U-Net folder (default: the shipped models/unet-sim; 'train' or, without it, fine-tuned into OUT/models).")
        String unetSource;
        @Option(names = "--unet-target", description = "U_tgt, a U-Net folder (default: the shipped models/unet-real; 'train' or, without it, fine-tuned into OUT/models).")
        String unetTarget;
        @Option(names = "--controlnet", description = "ControlNet trained with U_src (default: the shipped models/controlnet-unet-swap; 'train' or, without it, trained into OUT/models).")
        String controlnet;
        @Option(names = "--unet-iters", converter = Ranges.Count.class, defaultValue = "2000", description = "Fine-tuning iterations of a missing domain U-Net (default: ${DEFAULT-VALUE}).")
        int unetIters;
        @Option(names = "--controlnet-iters", converter = Ranges.Count.class, defaultValue = "3000", description = "Iterations of a missing ControlNet (default: ${DEFAULT-VALUE}).")
        int controlnetIters;
        @Option(names = "--seeds", split = ",", description = "Downstream seeds, reported as mean ± std (default: --seed). Models and generation use the first.")
        List<Long> seeds;
        @Option(names = "--arms", split = ",", description = "Rows: sim, sim-full (whole-image crops), generated, sim+generated, daformer, plain (no RCS / no SCR), rcs (no SCR); default: the first five; with --ablation all.")
        List<String> arms;
        @Option(names = "--ablation", description = "Also the ablation rows: no RCS / no SCR, and RCS without SCR.")
        boolean ablation;
        @Option(names = "--align-images", converter = Ranges.NonNegative.class, defaultValue = "100",
                description = "Crops generated with U_src and the base U-Net for the alignment judge and the grid (default: ${DEFAULT-VALUE}).")
        int alignImages;
        @Option(names = "--out", defaultValue = "runs/unet-swap", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run in --out (every stage resumes where it stopped).")
        boolean resume;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            var g = swap.config(true);
            if (source == null || target == null || val == null) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            String src = source != null ? source : data.resolve("sim/train").toString();
            String tgt = target != null ? target : data.resolve("real/train").toString();
            String v = val != null ? val : data.resolve("real/val").toString();
            String j = judge != null ? ("none".equals(judge) ? null : judge)
                    : Files.isDirectory(data.resolve("real/train/labels")) && target == null ? data.resolve("real/train").toString() : null;
            TrainConfig t = switch (seg.profile) {
                case "small" -> seg.train(org.diffuda.methods.unetswap.UnetSwap.downstream(TrainConfig.small(), base));
                case "daformer" -> seg.train(TrainConfig.daformerReal());
                default -> seg.train();
            };
            var udaBase = seg.profile.equals("small") ? org.diffuda.uda.UdaConfig.embedded() : org.diffuda.uda.UdaConfig.daformer();
            // DAFormer's row trains on the same crops; its own iteration count unless --iters is given
            var uda = org.diffuda.util.Configs.with(udaBase, "train", seg.iters != null ? t : t.withIterations(udaBase.train().iterations()));
            List<String> a = arms != null ? arms : ablation ? List.copyOf(org.diffuda.methods.unetswap.UnetSwap.ARMS.keySet())
                    : org.diffuda.methods.unetswap.UnetSwap.Plan.defaults().arms();
            var plan = org.diffuda.methods.unetswap.UnetSwap.Plan.defaults().with("seeds", seeds != null ? seeds : List.of(common.seed),
                    "arms", a, "alignImages", alignImages);
            var recipe = org.diffuda.methods.unetswap.UnetSwap.ModelRecipe.embedded().with("unetIters", unetIters, "controlnetIters", controlnetIters);
            var s = new org.diffuda.methods.unetswap.UnetSwap.Spec(src, tgt, v, j, out, base, variant,
                    model(unetSource, "--unet-source", "models/unet-sim"), model(unetTarget, "--unet-target", "models/unet-real"),
                    model(controlnet, "--controlnet", "models/controlnet-unet-swap"),
                    recipe, g, seg.model(), t, uda, plan, seg.eval(), resume, new BadInput(common.skipBad));
            var m = org.diffuda.methods.unetswap.UnetSwap.run(s);
            CommonOptions.writeEffective(spec, out);
            printTable(m, "judge", "judge", out, t0);
        }

        /** A model folder: given (it must exist), 'train' (null: trained into OUT/models), or the shipped one if it is there. */
        static Path model(String given, String option, String shipped) {
            if ("train".equals(given)) {
                return null;
            }
            if (given != null) {
                Path p = Path.of(given);
                if (org.diffuda.diffusion.io.PipelineFolder.unetDir(p) == null) { // a U-Net or ControlNet folder (config.json), or a pipeline
                    throw new DiffudaException(option + " " + given + ": no config.json (expected a diffusers model folder, or 'train')");
                }
                return p;
            }
            return Files.isRegularFile(Path.of(shipped, "config.json")) ? Path.of(shipped) : null;
        }
    }

    /** A method's table (rows of mean ± std), its oracle and diagnostics, where the files are, and the wall time. */
    @SuppressWarnings("unchecked")
    @Command(name = "cicld", mixinStandardHelpOptions = true,
            description = "CICLD: an adversarial latent-diffusion segmenter (mask conditioning, inter-coder skip, 3-class L_adv) in a teacher-student loop, against source-only and DAFormer.")
    public static final class CicldCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;
        @Mixin
        UdaOptions uda;

        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root, made if absent (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--source", description = "Labelled source dataset (default: DATA/sim/train).")
        String source;
        @Option(names = "--target", description = "Unlabelled target images (default: DATA/real/train).")
        String target;
        @Option(names = "--val", description = "Labelled target validation set (default: DATA/real/val; 'none' to skip).")
        String val;
        @Option(names = "--out", defaultValue = "runs/cicld", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the table in --out (finished rows are read, killed ones resume).")
        boolean resume;
        @Option(names = "--seeds", split = ",", description = "Seeds of every row, reported as mean ± std (default: --seed).")
        List<Long> seeds;
        @Option(names = "--ablation-seeds", split = ",", description = "Seeds of the ablation rows (default: --seeds).")
        List<Long> ablationSeeds;
        @Option(names = "--arms", split = ",", description = "Rows: source-only, daformer, cicld, no-condition, no-skip, 2-class (default: the first three; with --ablation all).")
        List<String> arms;
        @Option(names = "--ablation", description = "Also the paper's ablation rows: w/o mask conditioning, w/o inter-coder connection, 2-class L_adv.")
        boolean ablation;
        @Option(names = "--test-condition", description = "teacher (the EMA student conditioned on the trained model's prediction) or none; both are measured, this one is the row's (default: teacher).")
        String testCondition;
        @Option(names = "--adversarial", description = "3-class, 2-class or none (default: 3-class).")
        String adversarial;
        @Option(names = "--adv-weight", converter = Ranges.NonNegativeReal.class, description = "Weight of the encoder's adversarial term (default: 1).")
        Double advWeight;
        @Option(names = "--dif-weight", converter = Ranges.NonNegativeReal.class, description = "Weight of L_dif (default: 1).")
        Double difWeight;
        @Option(names = "--cond-drop", converter = Ranges.Probability.class, description = "Share of training examples run unconditioned (default: 0.1).")
        Double condDrop;
        @Option(names = "--strength", converter = Ranges.Probability.class, description = "How far z0 is diffused before the denoising chain (default: 0.2).")
        Double strength;
        @Option(names = "--inference-steps", converter = Ranges.Count.class, description = "DDIM schedule length; the chain runs its last floor(n*strength) steps (default: 10).")
        Integer inferenceSteps;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            boolean embedded = source == null || target == null || val == null;
            if (embedded) {
                Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            }
            var cfg = org.diffuda.methods.cicld.CicldConfig.defaults();
            java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
            if (testCondition != null) {
                o.put("test_condition", testCondition);
            }
            if (adversarial != null) {
                o.put("adversarial", adversarial);
            }
            if (advWeight != null) {
                o.put("adv_weight", advWeight);
            }
            if (difWeight != null) {
                o.put("dif_weight", difWeight);
            }
            if (condDrop != null) {
                o.put("cond_drop", condDrop);
            }
            cfg = org.diffuda.util.Configs.with(cfg, o).check();
            var model = seg.profile.equals("small") ? org.diffuda.segmentation.models.CicldModelConfig.small()
                    : org.diffuda.segmentation.models.CicldModelConfig.real();
            java.util.Map<String, Object> mo = new java.util.LinkedHashMap<>();
            if (strength != null) {
                mo.put("strength", strength);
            }
            if (inferenceSteps != null) {
                mo.put("inference_steps", inferenceSteps);
            }
            model = org.diffuda.util.Configs.with(model, mo);
            if (Math.floor(model.inferenceSteps() * model.strength()) < 1) {
                throw new DiffudaException("--strength " + model.strength() + " of --inference-steps " + model.inferenceSteps()
                        + ": runs no denoising step; raise one of them");
            }
            List<String> a = arms != null ? arms : ablation ? org.diffuda.methods.cicld.CicldAdaptation.ABLATION_ARMS
                    : org.diffuda.methods.cicld.CicldAdaptation.DEFAULT_ARMS;
            String src = source != null ? source : data.resolve("sim/train").toString();
            String tgt = target != null ? target : data.resolve("real/train").toString();
            String v = val != null ? ("none".equals(val) ? null : val) : data.resolve("real/val").toString();
            UdaConfig u = uda.config(seg);
            if (seg.profile.equals("small")) {
                u = org.diffuda.methods.cicld.CicldAdaptation.embedded(u, seg.iters != null, seg.batch != null);
            }
            var s = new org.diffuda.methods.cicld.CicldAdaptation.Spec(src, tgt, v, out, seg.model(), model, u, cfg,
                    seeds != null ? seeds : List.of(common.seed), ablationSeeds, a, seg.eval(), resume, new BadInput(common.skipBad));
            java.util.Map<String, Object> m = org.diffuda.methods.cicld.CicldAdaptation.run(s);
            CommonOptions.writeEffective(spec, out);
            printTable(m, null, null, out, t0);
        }
    }

    private static void printRow(String name, java.util.Map<String, Object> r) {
        if (r.containsKey("miou19_mean")) {
            System.out.printf("%-14s mIoU19 %.2f ± %.2f   mIoU16 %.2f ± %.2f   mIoU13 %.2f ± %.2f%n", name,
                    r.get("miou19_mean"), r.get("miou19_std"), r.get("miou16_mean"), r.get("miou16_std"), r.get("miou13_mean"),
                    r.get("miou13_std"));
        }
    }

    @SuppressWarnings("unchecked")
    static void printTable(java.util.Map<String, Object> m, String diagnosticsKey, String diagnosticsName, Path out, long t0) {
        System.out.println();
        var rows = (java.util.Map<String, java.util.Map<String, Object>>) m.get("rows");
        for (var e : rows.entrySet()) {
            var r = e.getValue();
            printRow(e.getKey(), r);
            if (r.get("test_condition_none") instanceof java.util.Map<?, ?> n) {
                printRow("  test cond. none", (java.util.Map<String, Object>) n);
            }
        }
        if (m.get("oracle") instanceof org.diffuda.segmentation.EvalResult o) {
            System.out.printf("%-14s mIoU19 %.2f (the diagnostic judge; target labels)%n", "oracle", o.miou19());
        }
        if (diagnosticsKey != null && m.get(diagnosticsKey) != null) {
            System.out.println(diagnosticsName + ": " + org.diffuda.util.Json.compact(m.get(diagnosticsKey)));
        }
        System.out.println("metrics: " + out.resolve("metrics.json") + "   report: " + out.resolve("report.html"));
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("wall time: %s (%.1f s)%n", Progress.fmt(secs), secs);
    }
}
