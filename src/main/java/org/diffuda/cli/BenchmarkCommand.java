package org.diffuda.cli;

import java.nio.file.Path;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "benchmark", mixinStandardHelpOptions = true, description = "The embedded procedural benchmark.",
        subcommands = {BenchmarkCommand.Make.class})
public final class BenchmarkCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "make", mixinStandardHelpOptions = true,
            description = "Write the benchmark (sim, real, conditions, prior corpus) in the generic folder layout.")
    public static final class Make implements Runnable {
        @Mixin
        CommonOptions common;

        @Option(names = "--out", defaultValue = "runs/bench-data", description = "Output directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--size", defaultValue = "64x128", description = "HxW of images (default: ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--sim-train", converter = Ranges.NonNegative.class, defaultValue = "800", description = "Labelled sim (source) images (default: ${DEFAULT-VALUE}).")
        int simTrain;
        @Option(names = "--real-train", converter = Ranges.NonNegative.class, defaultValue = "800", description = "real/train images (labels written for the oracle only; default: ${DEFAULT-VALUE}).")
        int realTrain;
        @Option(names = "--real-val", converter = Ranges.NonNegative.class, defaultValue = "200", description = "Labelled real/val images (default: ${DEFAULT-VALUE}).")
        int realVal;
        @Option(names = "--condition-train", converter = Ranges.NonNegative.class, defaultValue = "200", description = "Images of each real-<condition>/train split (night, fog, rain, snow; default: ${DEFAULT-VALUE}).")
        int conditionTrain;
        @Option(names = "--condition-val", converter = Ranges.NonNegative.class, defaultValue = "100", description = "Images of each real-<condition>/val split (default: ${DEFAULT-VALUE}).")
        int conditionVal;
        @Option(names = "--prior-scenes", converter = Ranges.NonNegative.class, defaultValue = "1600", description = "Captioned scenes of the prior corpus, in its generic styles (default: ${DEFAULT-VALUE}).")
        int priorScenes;
        @Option(names = "--prior-objects", converter = Ranges.NonNegative.class, defaultValue = "400", description = "Captioned object crops of the prior corpus (\"a photo of a car\"; default: ${DEFAULT-VALUE}).")
        int priorObjects;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            BenchmarkConfig cfg = new BenchmarkConfig(hw[0], hw[1], simTrain, realTrain, realVal, conditionTrain,
                    conditionVal, priorScenes, priorObjects, common.seed);
            long t0 = System.nanoTime();
            Benchmark.make(out, cfg);
            CommonOptions.writeEffective(spec, out);
            System.out.printf("benchmark written to %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        }
    }
}
