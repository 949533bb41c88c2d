package org.diffuda.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.util.DiffudaException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.diffusion.training.ControlNetTraining;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "controlnet", mixinStandardHelpOptions = true, description = "Layout-to-image ControlNets.",
        subcommands = {ControlNetCommand.Train.class})
public final class ControlNetCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a ControlNet on label maps with the pipeline's U-Net frozen (diffusers layout in OUT/controlnet).")
    public static final class Train implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = {"--base", "--pipeline"}, defaultValue = "models/prior",
                description = "Base text-to-image pipeline folder, diffusers layout (default: ${DEFAULT-VALUE}).")
        Path pipeline;
        @Option(names = "--variant", description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors).")
        String variant;
        @Option(names = "--data", split = ",", defaultValue = "runs/bench-data/real/train",
                description = "Labelled datasets (default: ${DEFAULT-VALUE}).")
        List<String> data;
        @Option(names = "--prompt", defaultValue = "a photo of a street", description = "Caption of every image (default: ${DEFAULT-VALUE}).")
        String prompt;
        @Option(names = {"--label-input", "--condition"},
                description = "How labels enter the ControlNet: cityscapes-colors (alias colour), ade20k-colors, onehot or onehot-other "
                        + "(default: cityscapes-colors; onehot-other with --recipe unet-swap).")
        String condition;
        @Option(names = "--recipe", defaultValue = "plain",
                description = "plain (one --prompt, whole images resized) or unet-swap (class-name prompts, RCS crops at the images' "
                        + "own resolution around a pixel of the drawn class, 19 classes + other one-hot; default: ${DEFAULT-VALUE}).")
        String recipe;
        @Option(names = "--unet", description = "A U-Net folder (or pipeline) replacing the base's, frozen; the ControlNet is copied from it (U-Net swap's U_src).")
        String unet;
        @picocli.CommandLine.Mixin
        TrainSizeOptions trainSize;
        @Option(names = "--controlnet", description = "A trained ControlNet folder to start from instead of a copy of the U-Net's "
                + "encoder (diffusers' --controlnet_model_name_or_path), e.g. to fine-tune it at another image size.")
        String controlnet;
        @Option(names = "--rcs-temperature", converter = Ranges.Positive.class, defaultValue = "0.01",
                description = "RCS temperature of --recipe unet-swap (default: ${DEFAULT-VALUE}).")
        double rcsTemperature;
        @Option(names = "--rcs-min-pixels", converter = Ranges.NonNegative.class, defaultValue = "3000",
                description = "Pixels of a class an image needs for RCS, at 512x512, scaled to the image area (default: ${DEFAULT-VALUE}).")
        int rcsMinPixels;
        @Option(names = "--iters", converter = Ranges.Count.class, defaultValue = "2000", description = "Iterations (default: ${DEFAULT-VALUE}).")
        int iters;
        @Option(names = "--batch", converter = Ranges.Count.class, defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--lr", converter = Ranges.Positive.class, defaultValue = "1e-4", description = "Learning rate (default: ${DEFAULT-VALUE}).")
        double lr;
        @Option(names = "--out", defaultValue = "runs/controlnet", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
        boolean resume;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            Sizes.positive(iters, "--iters");
            Sizes.positive(batch, "--batch");
            Sizes.learningRate(lr);
            ControlNetTraining.Recipe r = switch (recipe) {
                case "plain" -> new ControlNetTraining.Recipe(false, false, null, rcsMinPixels, unet, controlnet);
                case "unet-swap" -> new ControlNetTraining.Recipe(true, true, rcsTemperature, rcsMinPixels, unet, controlnet);
                default -> throw new DiffudaException("--recipe " + recipe + ": expected plain or unet-swap");
            };
            String cond = org.diffuda.diffusion.pipelines.LayoutCondition.check(condition != null ? condition
                    : recipe.equals("unet-swap") ? "onehot-other" : "cityscapes-colors");
            BadInput bad = new BadInput(common.skipBad);
            List<Dataset> ds = new ArrayList<>();
            data.forEach(d -> ds.add(Datasets.open(d, bad)));
            Checkpoint.resumePolicy(out.resolve("checkpoint"), resume, out);
            DiffusionTrainConfig t = Configs.with(DiffusionTrainConfig.small(), "iterations", iters, "batchSize", batch, "lr", lr,
                    "condDropout", 0.0);
            long t0 = System.nanoTime();
            // a folder with metadata.jsonl captions its own images (the imagefolder convention); --prompt captions the rest
            java.util.Map<String, String> captions = null;
            for (String d : data) {
                java.util.Map<String, String> own = Files.isDirectory(Path.of(d)) ? org.diffuda.diffusion.prior.CaptionedImages.captions(Path.of(d)) : null;
                if (own != null) {
                    captions = captions == null ? new java.util.LinkedHashMap<>() : captions;
                    captions.putAll(own);
                }
            }
            Path cn = ControlNetTraining.train(pipeline, variant, ds, captions, out, new ControlNetTraining.Config(prompt, cond, null, t, r,
                            trainSize.size() == null ? null : java.util.List.of(trainSize.size()[0], trainSize.size()[1])),
                    common.seed, bad);
            CommonOptions.writeEffective(spec, out);
            System.out.printf("controlnet written to %s in %.1f s%n", cn, (System.nanoTime() - t0) / 1e9);
        }
    }
}
