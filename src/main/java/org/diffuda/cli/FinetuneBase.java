package org.diffuda.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.diffusion.training.DiffusionTrainConfig;
import org.diffuda.diffusion.training.Finetuning;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options and the run of {@code finetune} and {@code finetune unet} (picocli refuses a subcommand that subclasses its parent). */
abstract class FinetuneBase implements Runnable {
    @Mixin
    CommonOptions common;
    @Option(names = {"--pipeline", "--base"}, defaultValue = "models/prior", description = "Base pipeline folder (default: ${DEFAULT-VALUE}).")
    Path pipeline;
    @Option(names = "--variant", description = "Weights variant to load, e.g. fp16 (diffusion_pytorch_model.fp16.safetensors).")
    String variant;
    @Option(names = "--data",
            description = "A captioned folder (metadata.jsonl with file_name, text) or an image dataset with --prompt.")
    String data;
    @Option(names = "--prompt", description = "Caption of every image when --data has no metadata.jsonl.")
    String prompt;
    @Option(names = "--train-text-encoder", description = "Train the text encoder jointly (default: frozen).")
    boolean trainTextEncoder;
    @Option(names = "--crops", converter = Ranges.NonNegative.class, defaultValue = "0",
            description = "Random crops of the training size (the pipeline's, or --height x --width) per image, at the images' own resolution, for a captioned folder too (0: resize each whole image; default: ${DEFAULT-VALUE}).")
    int crops;
    @Option(names = "--half", description = "Write the weights in float16 (as the shipped models; training is float32).")
    boolean half;
    @Option(names = "--iters", converter = Ranges.Count.class, defaultValue = "400", description = "Iterations (default: ${DEFAULT-VALUE}).")
    int iters;
    @Option(names = "--batch", converter = Ranges.Count.class, defaultValue = "8", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", converter = Ranges.Positive.class, defaultValue = "1e-4", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--caption-dropout", converter = Ranges.Probability.class, defaultValue = "0.1", description = "Share of empty captions (default: ${DEFAULT-VALUE}).")
    double captionDropout;
    @Option(names = "--ema-decay", converter = Ranges.Decay.class, defaultValue = "0.999",
            description = "Decay of the weights' EMA, which the pipeline is written from (0: no EMA, the trained weights, as diffusers' train_text_to_image without --use_ema and DreamBooth; saves a copy of the U-Net in memory and checkpoints; default: ${DEFAULT-VALUE}).")
    double emaDecay;
    @Mixin
    TrainSizeOptions trainSize;
    @Option(names = "--out", defaultValue = "runs/finetune", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
    boolean resume;
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        if (data == null) {
            throw new DiffudaException("--data: missing; give the images to fine-tune on");
        }
        Sizes.positive(iters, "--iters");
        Sizes.positive(batch, "--batch");
        Sizes.learningRate(lr);
        int[] size = trainSize.sizeOr(pipeline);
        Finetuning.Examples ex;
        Path dir = Path.of(data);
        if (Files.isRegularFile(dir.resolve("metadata.jsonl"))) {
            ex = Finetuning.Examples.captioned(dir).cropped(crops, size[0], size[1], common.seed);
        } else {
            if (prompt == null) {
                throw new DiffudaException("--data " + data + ": no metadata.jsonl; give every image a caption with --prompt");
            }
            ex = Finetuning.Examples.of(Datasets.open(data, new BadInput(common.skipBad)), prompt).cropped(crops, size[0], size[1], common.seed);
        }
        if (ex.size() == 0) {
            throw new DiffudaException("--data " + data + ": no images");
        }
        Checkpoint.resumePolicy(out.resolve("checkpoint"), resume, out);
        DiffusionTrainConfig t = Configs.with(DiffusionTrainConfig.small(), "iterations", iters, "batchSize", batch, "lr", lr,
                "condDropout", captionDropout, "warmupIters", Math.min(100, iters / 10), "emaDecay", emaDecay);
        long t0 = System.nanoTime();
        Path p = Finetuning.train(pipeline, variant, ex, out, t, trainTextEncoder, common.seed, half, trainSize.size());
        CommonOptions.writeEffective(spec, out);
        System.out.printf("fine-tuned pipeline written to %s in %.1f s%n", p, (System.nanoTime() - t0) / 1e9);
        done(p);
    }

    /** After the pipeline is written. */
    void done(Path pipelineOut) {}
}
