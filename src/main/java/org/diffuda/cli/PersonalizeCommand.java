package org.diffuda.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.data.Sample;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.methods.datum.DatumJudge;
import org.diffuda.methods.datum.DreamBooth;
import org.diffuda.segmentation.Baselines;
import org.diffuda.training.Checkpoint;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "personalize", mixinStandardHelpOptions = true, description = "Personalise a text-to-image model on one image (DreamBooth), and judge it.",
        subcommands = {PersonalizeCommand.DreamBoothCommand.class, PersonalizeCommand.JudgeCommand.class})
public final class PersonalizeCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "dreambooth", mixinStandardHelpOptions = true,
            description = "DreamBooth on ONE image: random crops, epsilon-MSE on the instance prompt; writes OUT/pipeline (a diffusers folder).")
    public static final class DreamBoothCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        DatumOptions.Personalize personalize;
        @Mixin
        DatumOptions.Generate generate;
        @Option(names = "--image", required = true, description = "The one image (PNG).")
        Path image;
        @Option(names = "--base", defaultValue = "models/prior", description = "Text-to-image pipeline folder (default: ${DEFAULT-VALUE}).")
        Path base;
        @Option(names = "--variant", description = "Weights variant of --base, e.g. fp16.")
        String variant;
        @Option(names = "--out", defaultValue = "runs/dreambooth", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--lr", converter = Ranges.Positive.class, description = "AdamW learning rate, constant (embedded 1e-4, datum 5e-6).")
        Double lr;
        @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
        boolean resume;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            long t0 = System.nanoTime();
            var c = personalize.config(lr);
            var g = generate.config(personalize.recipe);
            Sample one = Datasets.open(image.toString(), new BadInput(common.skipBad)).load(0);
            Checkpoint.resumePolicy(out.resolve("checkpoint"), resume, out);
            DreamBooth.Result r = DreamBooth.personalize(base, variant, one, c, g, out, common.seed);
            CommonOptions.writeEffective(spec, out);
            System.out.println((r.tokenAdded() ? "token '" + c.token() + "' added to the tokenizer" : "token '" + c.token() + "' is one token already"));
            r.byStep().forEach((s, d) -> System.out.println("step " + s + ": " + d));
            System.out.println("wall time: " + Progress.fmt((System.nanoTime() - t0) / 1e9));
        }
    }

    @Command(name = "judge", mixinStandardHelpOptions = true,
            description = "Personalisation judges: share judged real (sim-vs-real classifier), object accuracy (corpus object classifier), language drift, copying of the one image.")
    public static final class JudgeCommand implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        DatumOptions.Generate generate;
        @Option(names = "--base", defaultValue = "models/prior", description = "The un-personalised model (default: ${DEFAULT-VALUE}).")
        Path base;
        @Option(names = "--model", required = true, description = "Personalised pipeline folder(s); repeat for several (e.g. step counts).")
        List<Path> models;
        @Option(names = "--image", required = true, description = "The one image they were personalised on.")
        Path image;
        @Option(names = "--data", defaultValue = "runs/bench-data", description = "Embedded benchmark root (classifier data; default: ${DEFAULT-VALUE}).")
        Path data;
        @Option(names = "--token", defaultValue = "sks", description = "The rare token (default: ${DEFAULT-VALUE}).")
        String token;
        @Option(names = "--recipe", defaultValue = "embedded", description = "Sampling defaults: embedded or datum.")
        String recipe;
        @Option(names = "--n", converter = Ranges.Count.class, defaultValue = "10", description = "Samples per class prompt (default: ${DEFAULT-VALUE}).")
        int n;
        @Option(names = "--out", defaultValue = "runs/personalize-judge", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            Baselines.ensureBenchmark(data, BenchmarkConfig.defaults());
            BadInput bad = new BadInput(common.skipBad);
            Sample one = Datasets.open(image.toString(), bad).load(0);
            List<DatumJudge.Model> ms = new ArrayList<>();
            ms.add(new DatumJudge.Model("base", base));
            for (Path m : models) {
                ms.add(new DatumJudge.Model(m.toString(), m));
            }
            Map<String, Object> r = DatumJudge.run(ms, one, data, data.resolve("prior"), token, generate.config(recipe), n, 300, null, out,
                    common.seed, bad);
            System.out.println(Json.write(r));
            System.out.println("grid: " + out.resolve("grid.png"));
        }
    }
}
