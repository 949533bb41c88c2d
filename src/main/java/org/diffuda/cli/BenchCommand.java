package org.diffuda.cli;

import java.nio.file.Path;
import java.util.Map;
import org.diffuda.segmentation.SegBenchmark;
import org.diffuda.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Throughput benchmarks, written as JSON.",
        subcommands = {BenchCommand.Seg.class, BenchCommand.Diffusion.class, BenchCommand.Sgg.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "seg", mixinStandardHelpOptions = true,
            description = "Training and inference images/s of the segmenter at the default size.")
    public static final class Seg implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        SegOptions seg;

        @Option(names = "--out", defaultValue = "runs/bench/seg.json", description = "JSON output (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--size", defaultValue = "64x128", description = "Input HxW (default: ${DEFAULT-VALUE}).")
        String size;
        @Option(names = "--iterations", converter = Ranges.Count.class, defaultValue = "20", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
        int iterations;
        @Option(names = "--warmup", converter = Ranges.NonNegative.class, defaultValue = "5", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
        int warmup;
        @Option(names = "--data", description = "Also time train-seg end to end (decoding, transforms, compute) on this dataset, "
                + "with the loader's cache on and off.")
        String data;
        @Option(names = "--end-to-end-iterations", defaultValue = "300",
                description = "Iterations of each end-to-end run (default: ${DEFAULT-VALUE}; the cache helps from the second epoch).")
        int e2eIterations;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            int batch = seg.train().batchSize();
            Map<String, Object> r = SegBenchmark.run(seg.model(), batch, hw[0], hw[1], warmup, iterations, common.seed);
            if (data != null) {
                r.put("end_to_end", SegBenchmark.endToEnd(seg.model(), seg.train(),
                        org.diffuda.data.Datasets.open(data, new org.diffuda.data.BadInput(common.skipBad)), e2eIterations, common.seed));
            }
            Json.writeFile(out, r);
            System.out.println(Json.write(r));
            System.out.println("wrote " + out);
        }
    }

    @Command(name = "diffusion", mixinStandardHelpOptions = true,
            description = "Train-step and sampling-step time of the default pixel U-Net and the small SD U-Net.")
    public static final class Diffusion implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--out", defaultValue = "runs/bench/diffusion.json", description = "JSON output (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--iterations", converter = Ranges.Count.class, defaultValue = "20", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
        int iterations;
        @Option(names = "--warmup", converter = Ranges.NonNegative.class, defaultValue = "5", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Override
        public void run() {
            Map<String, Object> r = org.diffuda.diffusion.DiffusionBenchmark.run(warmup, iterations, common.seed);
            Json.writeFile(out, r);
            System.out.println(Json.write(r));
            System.out.println("wrote " + out);
        }
    }

    @Command(name = "sgg", mixinStandardHelpOptions = true,
            description = "Cost of one guided reverse step (denoiser forward + segmenter forward and backward): unguided, GSG, LCG.")
    public static final class Sgg implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--out", defaultValue = "runs/bench/sgg.json", description = "JSON output (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--batch", converter = Ranges.Count.class, defaultValue = "16", description = "Images per step (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--classes", converter = Ranges.Count.class, defaultValue = "10", description = "Classes per label, i.e. LCG copies per image (default: ${DEFAULT-VALUE}).")
        int classes;
        @Option(names = "--iterations", converter = Ranges.Count.class, defaultValue = "10", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
        int iterations;
        @Option(names = "--warmup", converter = Ranges.NonNegative.class, defaultValue = "5", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Override
        public void run() {
            Map<String, Object> r = org.diffuda.methods.sggptl.GuidanceBenchmark.run(batch, classes, warmup, iterations, common.seed);
            Json.writeFile(out, r);
            System.out.println(Json.write(r));
            System.out.println("wrote " + out);
        }
    }
}
