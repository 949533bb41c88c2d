package org.diffuda.cli;

import java.util.List;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Option;

/** Segmenter and training options shared by train-seg and demo. */
public final class SegOptions {
    @Option(names = "--profile", defaultValue = "small", description = "Defaults to start from: small (embedded world), deeplab or daformer (papers' real-scale recipes). Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--model", description = "deeplabv3plus, segformer (DAFormer head) or cicld (latent-diffusion segmenter).")
    String arch;
    @Option(names = "--backbone", description = "resnet18/50/101 or mit-b0..b5.")
    String backbone;
    @Option(names = "--width", converter = Ranges.Count.class, description = "ResNet stem width (64 real) or MiT width in eighths (8 real).")
    Integer width;
    @Option(names = "--iters", converter = Ranges.Count.class, description = "Training iterations.")
    Integer iters;
    @Option(names = "--batch", converter = Ranges.Count.class, description = "Batch size.")
    Integer batch;
    @Option(names = "--crop", description = "Training crop HxW.")
    String crop;
    @Option(names = "--optimizer", description = "sgd or adamw.")
    String optimizer;
    @Option(names = "--lr", converter = Ranges.Positive.class, description = "Base learning rate.")
    Double lr;
    @Option(names = "--checkpoint-every", converter = Ranges.Count.class, description = "Iterations between checkpoints.")
    Integer checkpointEvery;

    @Option(names = "--eval-mode", defaultValue = "whole", description = "whole or slide (default: ${DEFAULT-VALUE}).")
    String evalMode;
    @Option(names = "--window", converter = Ranges.Count.class, defaultValue = "512", description = "Sliding window side (default: ${DEFAULT-VALUE}).")
    int window;
    @Option(names = "--stride", converter = Ranges.Count.class, defaultValue = "256", description = "Sliding window stride (default: ${DEFAULT-VALUE}).")
    int stride;

    SegModelConfig model() {
        SegModelConfig base = switch (profile) {
            case "small" -> SegModelConfig.small();
            case "deeplab" -> SegModelConfig.deeplabReal();
            case "daformer" -> SegModelConfig.daformerReal();
            default -> throw new DiffudaException("--profile " + profile + ": expected small, deeplab or daformer");
        };
        String a = arch == null ? base.arch() : arch;
        if (a.equals("cicld")) {
            return SegModelConfig.cicld(profile.equals("small") ? org.diffuda.segmentation.models.CicldModelConfig.small()
                    : org.diffuda.segmentation.models.CicldModelConfig.real());
        }
        String b = backbone == null ? (a.equals(base.arch()) ? base.backbone() : (a.equals("segformer") ? "mit-b0" : "resnet18")) : backbone;
        SegModelConfig c = a.equals(base.arch()) ? base : (a.equals("segformer") ? SegModelConfig.smallDaformer() : SegModelConfig.small());
        return new SegModelConfig(a, b, width == null ? c.width() : width, c.numClasses(), c.outputStride(),
                c.headChannels(), c.dilations(), c.dropPath());
    }

    TrainConfig train() {
        return train(switch (profile) {
            case "small" -> TrainConfig.small();
            case "deeplab" -> TrainConfig.deeplabReal();
            default -> TrainConfig.daformerReal();
        });
    }

    /** A method's recipe for the profile, with the command line's overrides. */
    TrainConfig train(TrainConfig t) {
        int[] hw = crop == null ? new int[] {t.cropHeight(), t.cropWidth()} : Sizes.parse(crop, "--crop");
        if (iters != null && iters <= 0) {
            throw new DiffudaException("--iters " + iters + ": must be positive");
        }
        if (lr != null) {
            Sizes.learningRate(lr);
        }
        if (batch != null) {
            Sizes.positive(batch, "--batch");
        }
        String opt = optimizer == null ? t.optimizer() : optimizer;
        if (!List.of("sgd", "adamw").contains(opt)) {
            throw new DiffudaException("--optimizer " + opt + ": expected sgd or adamw");
        }
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("cropHeight", hw[0]);
        o.put("cropWidth", hw[1]);
        o.put("optimizer", opt);
        if (iters != null) {
            o.put("iterations", iters);
        }
        if (batch != null) {
            o.put("batchSize", batch);
        }
        if (lr != null) {
            o.put("lr", lr);
        }
        if (checkpointEvery != null) {
            o.put("checkpointEvery", checkpointEvery);
        }
        return org.diffuda.util.Configs.with(t, o);
    }

    Evaluator.Options eval() {
        return switch (evalMode) {
            case "whole" -> Evaluator.Options.whole();
            case "slide" -> Evaluator.Options.slide(window, stride);
            default -> throw new DiffudaException("--eval-mode " + evalMode + ": expected whole or slide");
        };
    }
}
