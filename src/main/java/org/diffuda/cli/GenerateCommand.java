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
        subcommands = {GenerateCommand.DatumCommand.class})
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
}
