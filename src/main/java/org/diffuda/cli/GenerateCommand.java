package org.diffuda.cli;

import java.nio.file.Path;
import java.util.List;
import org.diffuda.methods.datum.DatumGeneration;
import org.diffuda.methods.datum.GenerationConfig;
import org.diffuda.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate synthetic datasets with diffusion models.",
        subcommands = {GenerateCommand.DatumCommand.class, GenerateCommand.UnetSwapCommand.class})
public final class GenerateCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "datum", mixinStandardHelpOptions = true,
            description = "DATUM's synthetic target set: class-cycled prompts \"a photo of a sks [CLS]\", one generator per image, resumable, with a manifest.")
    public static final class DatumCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        DatumOptions.Generate generate;
        @Option(names = "--model", required = true, description = "Personalised pipeline folder (personalize dreambooth's OUT/pipeline).")
        Path model;
        @Option(names = "--variant", description = "Weights variant, e.g. fp16.")
        String variant;
        @Option(names = "--token", defaultValue = "sks", description = "The rare token of the model (default: ${DEFAULT-VALUE}).")
        String token;
        @Option(names = "--prompt", defaultValue = "a photo of a sks urban scene", description = "The prompt of --classes scene (default: ${DEFAULT-VALUE}).")
        String scenePrompt;
        @Option(names = "--recipe", defaultValue = "embedded", description = "Defaults: embedded or datum (50 steps, guidance 7.5, 2975 images).")
        String recipe;
        @Option(names = "--out", defaultValue = "runs/datum-generated", description = "Output folder; rerun to finish an interrupted one (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            GenerationConfig g = generate.config(recipe);
            List<String> prompts = DatumGeneration.prompts(g, token, scenePrompt);
            int made = DatumGeneration.generate(model, variant, prompts, g, out, common.seed);
            System.out.printf("%d images generated, %d already there: %s (manifest.jsonl)%n", made, prompts.size() - made, out.resolve("images"));
            System.out.println("wall time: " + Progress.fmt((System.nanoTime() - t0) / 1e9));
        }
    }

    @Command(name = "unet-swap", mixinStandardHelpOptions = true,
            description = "U-Net swap's labelled set: source label crops through a ControlNet (trained with U_src) run with U_tgt or the base "
                    + "U-Net; (image, label) pairs, per-image generators, resumable, with a manifest.")
    public static final class UnetSwapCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        UnetSwapOptions swap;
        @Option(names = "--base", defaultValue = "models/prior", description = "Base text-to-image pipeline (default: ${DEFAULT-VALUE}).")
        Path base;
        @Option(names = "--variant", description = "Weights variant, e.g. fp16.")
        String variant;
        @Option(names = "--controlnet", defaultValue = "models/controlnet-unet-swap",
                description = "ControlNet folder (controlnet train --recipe unet-swap; default: ${DEFAULT-VALUE}).")
        Path controlnet;
        @Option(names = "--unet", defaultValue = "models/unet-real",
                description = "The U-Net swapped in (a U-Net folder or pipeline), or 'base' for the pipeline's own (default: ${DEFAULT-VALUE}).")
        String unet;
        @Option(names = "--labels", defaultValue = "runs/bench-data/sim/train", description = "Labelled source dataset (default: ${DEFAULT-VALUE}).")
        String labels;
        @Option(names = "--out", defaultValue = "runs/unet-swap-generated", description = "Output folder; rerun to finish an interrupted one (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            org.diffuda.methods.unetswap.SwapConfig c = swap.config(false);
            org.diffuda.data.BadInput bad = new org.diffuda.data.BadInput(common.skipBad);
            org.diffuda.data.Dataset d = org.diffuda.data.Datasets.open(labels, bad);
            Path u = unet.equals("base") ? null : Path.of(unet);
            int made = org.diffuda.methods.unetswap.SwapGeneration.run(base, variant, u, controlnet, d, c, out, common.seed, bad);
            System.out.printf("%d pairs generated, %d already there: %s (manifest.jsonl)%n", made, c.count() - made, out);
            System.out.println("wall time: " + Progress.fmt((System.nanoTime() - t0) / 1e9));
        }
    }
}
