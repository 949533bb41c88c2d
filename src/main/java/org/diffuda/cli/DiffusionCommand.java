package org.diffuda.cli;

import org.diffuda.training.Checkpoint;
import org.diffuda.util.Generator;
import org.diffuda.training.Trainer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Png;
import org.diffuda.eval.DdpmJudge;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.DiffusionTrainer;
import org.diffuda.report.HtmlReport;
import org.diffuda.data.ImageGrid;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "diffusion", mixinStandardHelpOptions = true, description = "Pixel-space diffusion models (DDPM).",
        subcommands = {DiffusionCommand.Train.class, DiffusionCommand.Sample.class, DiffusionCommand.Judge.class})
public final class DiffusionCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    static List<BufferedImage> cells(NDArray imgs) {
        List<BufferedImage> out = new ArrayList<>();
        int h = (int) imgs.getShape().get(2), w = (int) imgs.getShape().get(3);
        for (int i = 0; i < imgs.getShape().get(0); i++) {
            out.add(Png.fromChw(imgs.get(i).toFloatArray(), h, w));
        }
        return out;
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train an unconditional pixel UNet2DModel on images (e.g. the target domain); writes a diffusers folder.")
    public static final class Train implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--data", split = ",", defaultValue = "runs/bench-data/real/train", description = "Image datasets (default: ${DEFAULT-VALUE}).")
        List<String> data;
        @Option(names = "--out", defaultValue = "runs/ddpm", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--iters", converter = Ranges.Count.class, description = "Iterations (small profile: 3000).")
        Integer iters;
        @Option(names = "--size", defaultValue = "32x64", description = "Training HxW (default: ${DEFAULT-VALUE}).")
        String size;
        @Option(names = "--prediction", defaultValue = "epsilon", description = "epsilon or v_prediction.")
        String prediction;
        @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
        boolean resume;
        @Option(names = "--init", description = "Continue from this pixel DDPM folder's U-Net (its config wins over --size's sample_size).")
        Path init;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            PixelDdpm.Recipe r = PixelDdpm.Recipe.small(hw[0], hw[1], iters, prediction);
            BadInput bad = new BadInput(common.skipBad);
            List<Dataset> ds = new ArrayList<>();
            data.forEach(d -> ds.add(Datasets.open(d, bad)));
            Checkpoint.resumePolicy(out.resolve("checkpoint"), resume, out);
            PixelDdpm.Trained t = PixelDdpm.train(ds, out, r.unet(), r.scheduler(), r.train(), common.seed, bad, init);
            List<double[]> pts = new ArrayList<>();
            for (Trainer.Record st : t.history()) {
                pts.add(new double[] {st.iter(), st.loss()});
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("seconds", t.seconds());
            metrics.put("history", t.history());
            Json.writeFile(out.resolve("metrics.json"), metrics);
            new HtmlReport("diffusion train " + out).paragraph("data: " + data + ", " + r.train().iterations() + " iterations")
                    .chart("ε-MSE (mean of 50 iterations)", "iteration", "loss", Map.of("loss", HtmlReport.smooth(pts, 50)))
                    .write(out.resolve("report.html"));
            System.out.printf("trained in %.1f s; model in %s%n", t.seconds(), out);
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, description = "Sample a PNG grid from a pixel DDPM folder.")
    public static final class Sample implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--model", defaultValue = "runs/ddpm", description = "Pixel DDPM folder, diffusers layout (default: ${DEFAULT-VALUE}).")
        Path model;
        @Option(names = "--n", converter = Ranges.Count.class, defaultValue = "16", description = "Samples (default: ${DEFAULT-VALUE}).")
        int n;
        @Option(names = "--steps", converter = Ranges.Count.class, defaultValue = "50", description = "Sampling steps (default: ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--scheduler", defaultValue = "DDIMScheduler", description = "DDPMScheduler, DDIMScheduler or DPMSolverMultistepScheduler.")
        String scheduler;
        @Option(names = "--size", defaultValue = "32x64", description = "HxW of the samples (default: ${DEFAULT-VALUE}).")
        String size;
        @Option(names = "--out", defaultValue = "runs/ddpm/samples.png", description = "PNG grid (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            try (NDManager m = Engines.engine().newBaseManager()) {
                UNet2DModel u = PixelDdpm.load(model, m);
                NDArray imgs = PixelDdpm.sample(u, PixelDdpm.scheduler(model), scheduler, steps, n, hw[0], hw[1], m,
                        Generator.perItem(common.seed, "ddpm sample", 0, n));
                Png.write(ImageGrid.grid(cells(imgs), 4, null, 2), out);
                System.out.println("wrote " + out);
            }
        }
    }

    @Command(name = "judge", mixinStandardHelpOptions = true,
            description = "Train a sim-vs-real classifier on benchmark images and report the share of DDPM samples judged real.")
    public static final class Judge implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--model", defaultValue = "runs/ddpm", description = "Pixel DDPM folder; judge.json, judge.html and the judged samples are written into it (default: ${DEFAULT-VALUE}).")
        Path model;
        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Benchmark root.")
        Path data;
        @Option(names = "--n", converter = Ranges.Count.class, defaultValue = "64", description = "DDIM samples judged (default: ${DEFAULT-VALUE}).")
        int n;
        @Option(names = "--steps", converter = Ranges.Count.class, defaultValue = "50", description = "DDIM steps (default: ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--classifier-iters", converter = Ranges.Count.class, defaultValue = "300", description = "Training iterations of the sim-vs-real classifier (default: ${DEFAULT-VALUE}).")
        int classifierIters;
        @Option(names = "--size", defaultValue = "32x64", description = "HxW of the samples and of the classifier's images (default: ${DEFAULT-VALUE}).")
        String size;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            BadInput bad = new BadInput(common.skipBad);
            try (NDManager m = Engines.engine().newBaseManager()) {
                DdpmJudge.Result res = DdpmJudge.run(model, data, n, steps, classifierIters, hw[0], hw[1], common.seed, bad, m);
                Map<String, Object> r = res.report();
                double share = (double) r.get("share_judged_real");
                double realVal = (double) r.get("classifier_accuracy_on_real_val");
                double simHeldOut = (double) r.get("classifier_accuracy_on_held_out_sim");
                Png.write(ImageGrid.grid(cells(res.samples()), 8, null, 2), model.resolve("judged-samples.png"));
                Json.writeFile(model.resolve("judge.json"), r);
                new HtmlReport("diffusion judge " + model)
                        .paragraph(String.format("%d DDIM samples (%d steps): %.1f%% judged real; the sim-vs-real classifier is "
                                + "%.1f%% right on held-out real and %.1f%% on held-out sim images.", n, steps, 100 * share,
                                100 * realVal, 100 * simHeldOut))
                        .image("judged-samples.png", "samples of the pixel DDPM").write(model.resolve("judge.html"));
                System.out.println(Json.write(r));
                if (Double.isNaN(share)) {
                    throw new DiffudaException("no samples judged");
                }
            }
        }
    }
}
