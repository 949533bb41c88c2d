package org.diffuda.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.Png;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.prior.EmbeddedPrior;
import org.diffuda.diffusion.prior.PriorConfig;
import org.diffuda.data.ImageGrid;
import org.diffuda.eval.PriorJudge;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prior", mixinStandardHelpOptions = true, description = "The embedded text-to-image prior (stand-in for Stable Diffusion).",
        subcommands = {PriorCommand.Train.class, PriorCommand.FinetuneDecoder.class, PriorCommand.Sample.class, PriorCommand.Judge.class})
public final class PriorCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train tokenizer, VAE, text encoder and U-Net on the captioned corpus; save a diffusers pipeline folder.")
    public static final class Train implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--data", defaultValue = "runs/bench-data/prior", description = "Captioned corpus (default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--out", defaultValue = "runs/prior", description = "Pipeline folder to write (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--iters", converter = Ranges.Count.class, description = "U-Net iterations (default: the small profile's).")
        Integer iters;
        @Option(names = "--vae-iters", converter = Ranges.Count.class, description = "VAE iterations.")
        Integer vaeIters;
        @Option(names = "--height", converter = Ranges.Count.class, description = "Image height (default: the small profile's 32).")
        Integer height;
        @Option(names = "--width", converter = Ranges.Count.class, description = "Image width (default: the small profile's 64).")
        Integer width;
        @Option(names = "--vae-config", description = "A diffusers AutoencoderKL config.json for the VAE to train (fields it "
                + "leaves out take diffusers' defaults; default: the small profile's 16/32/64, 4 latent channels).")
        Path vaeConfig;
        @Option(names = "--resume", description = "Continue the training checkpointed beside --out (OUT.work).")
        boolean resume;

        @Override
        public void run() {
            PriorConfig c = PriorConfig.small();
            if (height != null || width != null || vaeConfig != null) {
                if (vaeConfig != null && !java.nio.file.Files.isRegularFile(vaeConfig)) {
                    throw new org.diffuda.util.DiffudaException("--vae-config " + vaeConfig + ": file not found");
                }
                c = c.withSize(height == null ? c.height() : height, width == null ? c.width() : width, vaeConfig == null ? c.vae()
                        : org.diffuda.util.Configs.read(vaeConfig, org.diffuda.diffusion.models.AutoencoderKLConfig.class));
            }
            if (iters != null) {
                c = c.withUnetIterations(iters);
            }
            if (vaeIters != null) {
                c = c.withVaeIterations(vaeIters);
            }
            org.diffuda.training.Checkpoint.resumePolicy(EmbeddedPrior.workDir(out).resolve("vae"), resume, out);
            long t0 = System.nanoTime();
            EmbeddedPrior.train(data, out, c, common.seed);
            System.out.printf("prior written to %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        }
    }

    @Command(name = "finetune-decoder", mixinStandardHelpOptions = true,
            description = "Fine-tune a pipeline's VAE decoder on images (the corpus by default), encoder frozen (the latent space, and so its "
                    + "U-Net and ControlNets, stay valid); save the pipeline with the new VAE.")
    public static final class FinetuneDecoder implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--model", defaultValue = "models/prior", description = "Pipeline folder (default: ${DEFAULT-VALUE}).")
        Path model;
        @Option(names = "--data", split = ",", defaultValue = "runs/bench-data/prior",
                description = "Images to train on, comma-separated: captioned folders or datasets (labels unused), e.g. the corpus and "
                        + "the source domain's images (default: ${DEFAULT-VALUE}).")
        List<String> data;
        @Option(names = "--out", required = true, description = "Pipeline folder to write.")
        Path out;
        @Option(names = "--iters", converter = Ranges.Count.class, defaultValue = "1000", description = "Decoder iterations (default: ${DEFAULT-VALUE}).")
        int iters;
        @Option(names = "--lr", converter = Ranges.Positive.class, defaultValue = "1e-4", description = "Learning rate (default: ${DEFAULT-VALUE}).")
        double lr;
        @Mixin
        TrainSizeOptions trainSize;
        @Option(names = "--resume", description = "Continue the fine-tune checkpointed beside --out (OUT.work).")
        boolean resume;

        @Override
        public void run() {
            int[] size = trainSize.size();
            org.diffuda.training.Checkpoint.resumePolicy(EmbeddedPrior.workDir(out).resolve("vae-decoder"), resume, out);
            long t0 = System.nanoTime();
            List<float[]> probe = probe(size); // the images both MSEs are measured on, read once
            double before = mse(model, probe, size);
            EmbeddedPrior.finetuneDecoder(model, data, out, size, iters, lr, common.seed, new org.diffuda.data.BadInput(common.skipBad));
            double after = mse(out, probe, size);
            System.out.printf("pipeline written to %s in %.1f s; reconstruction MSE on the first 256 images of --data "
                    + "(pixels in [0, 1], at the training size): %.5f -> %.5f%n", out, (System.nanoTime() - t0) / 1e9, before, after);
        }

        /** The first 256 images of --data at the training size (null: the pipeline's). */
        private List<float[]> probe(int[] at) {
            int[] size = at == null ? TextToImage.imageSize(model) : at;
            var images = org.diffuda.diffusion.prior.CaptionedImages.loadAll(data, size[0], size[1],
                    new org.diffuda.data.BadInput(common.skipBad), 256);
            return images.images().subList(0, Math.min(256, images.size()));
        }

        private double mse(Path pipeline, List<float[]> images, int[] at) {
            try (NDManager m = Engines.engine().newBaseManager()) {
                PipelineFolder.StableDiffusion p = PipelineFolder.load(pipeline, m);
                int[] size = at == null ? TextToImage.imageSize(p) : at;
                return EmbeddedPrior.reconstructionMse(p.vae(), images, size[0], size[1], m);
            }
        }
    }

    @Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate a PNG grid from prompts.")
    public static final class Sample implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--model", defaultValue = "models/prior", description = "Pipeline folder (default: ${DEFAULT-VALUE}).")
        Path model;
        @Option(names = "--variant", description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors).")
        String variant;
        @Option(names = "--prompt", required = true, description = "Prompt; repeat for several rows.")
        List<String> prompts;
        @Option(names = "--n", converter = Ranges.Count.class, defaultValue = "4", description = "Images per prompt.")
        int n;
        @Option(names = "--steps", converter = Ranges.Count.class, defaultValue = "20", description = "DDIM steps (default: ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--guidance", converter = Ranges.NonNegativeReal.class, defaultValue = "4.0", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
        double guidance;
        @Option(names = "--negative-prompt", description = "Negative prompt for classifier-free guidance (default: the empty prompt).")
        List<String> negative;
        @Option(names = "--out", defaultValue = "runs/prior-samples.png", description = "PNG grid, one row per prompt (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            try (NDManager m = Engines.engine().newBaseManager()) {
                PipelineFolder.StableDiffusion p = PipelineFolder.load(model, m, variant);
                List<String> all = new ArrayList<>();
                for (String pr : prompts) {
                    for (int i = 0; i < n; i++) {
                        all.add(pr);
                    }
                }
                NDArray imgs = TextToImage.generate(p, all, negative, DiffusionSampler.Options.of(steps).withGuidance(guidance)
                        .withGenerator(Generator.perItem(common.seed, "prior sample", 0, all.size())), m, SamplingHook.NONE);
                List<BufferedImage> cells = new ArrayList<>();
                long h = imgs.getShape().get(2), w = imgs.getShape().get(3);
                for (int i = 0; i < all.size(); i++) {
                    cells.add(Png.fromChw(imgs.get(i).toFloatArray(), (int) h, (int) w));
                }
                Png.write(ImageGrid.grid(cells, n, null, 2), out);
                System.out.println("wrote " + out + " (rows: " + String.join(" | ", prompts) + ")");
            }
        }
    }

    @Command(name = "judge", mixinStandardHelpOptions = true,
            description = "Does the prior follow its prompts? Classifiers trained on the corpus judge samples of each prompt.")
    public static final class Judge implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--model", defaultValue = "models/prior", description = "Pipeline folder (default: ${DEFAULT-VALUE}).")
        Path model;
        @Option(names = "--variant", description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors).")
        String variant;
        @Option(names = "--data", defaultValue = "runs/bench-data/prior", description = "The captioned corpus.")
        Path data;
        @Option(names = "--n", converter = Ranges.Count.class, defaultValue = "24", description = "Samples per prompt.")
        int n;
        @Option(names = "--steps", converter = Ranges.Count.class, defaultValue = "20", description = "DDIM steps (default: ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--guidance", converter = Ranges.NonNegativeReal.class, defaultValue = "4.0", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
        double guidance;
        @Option(names = "--classifier-iters", converter = Ranges.Count.class, defaultValue = "300", description = "Training iterations of the judging classifiers (default: ${DEFAULT-VALUE}).")
        int classifierIters;
        @Option(names = "--out", defaultValue = "runs/prior-judge", description = "Folder for judge.json and samples.png (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            try (NDManager m = Engines.engine().newBaseManager()) {
                PipelineFolder.StableDiffusion p = PipelineFolder.load(model, m, variant);
                int[] size = TextToImage.imageSize(p);
                int h = size[0], w = size[1];
                var corpus = org.diffuda.diffusion.prior.CaptionedImages.load(data, h, w);
                java.util.Map<String, Object> report = new java.util.LinkedHashMap<>();
                List<BufferedImage> cells = new ArrayList<>();
                for (boolean conditions : new boolean[] {true, false}) {
                    PriorJudge.Result res = PriorJudge.run(p, corpus, conditions ? PriorJudge.CONDITIONS : PriorJudge.OBJECTS,
                            conditions, conditions ? PriorJudge.CONDITION_PROMPTS : PriorJudge.OBJECT_PROMPTS, n, steps, guidance,
                            classifierIters, common.seed, m);
                    report.put(conditions ? "conditions" : "objects", res.report());
                    for (NDArray imgs : res.samples()) {
                        for (int i = 0; i < imgs.getShape().get(0); i++) {
                            cells.add(Png.fromChw(imgs.get(i).toFloatArray(), h, w));
                        }
                    }
                }
                Png.write(ImageGrid.grid(cells, n, null, 2), out.resolve("samples.png"));
                org.diffuda.util.Json.writeFile(out.resolve("judge.json"), report);
                System.out.println(org.diffuda.util.Json.write(report));
            }
        }
    }
}
