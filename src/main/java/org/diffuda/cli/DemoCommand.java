package org.diffuda.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.report.SegReport;
import org.diffuda.segmentation.Baselines;
import org.diffuda.util.Json;
import org.diffuda.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The embedded default end to end: make the benchmark, train source-only and oracle, report mIoU.")
public final class DemoCommand implements Runnable {
    @Mixin
    CommonOptions common;
    @Mixin
    SegOptions seg;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", description = "Benchmark root; made there if absent (default: OUT/data).")
    Path data;

    @Option(names = "--resume", description = "Continue an interrupted demo in --out.")
    boolean resume;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        Path root = data == null ? out.resolve("data") : data;
        System.out.println("diffuda demo: sim -> real on the embedded benchmark (" + root + ")");
        var res = Baselines.run(root, BenchmarkConfig.defaults().withSeed(common.seed), out, seg.model(), seg.train(),
                common.seed, seg.eval(), resume, new BadInput(common.skipBad), 6);
        CommonOptions.writeEffective(spec, out);
        double secs = (System.nanoTime() - t0) / 1e9;
        var runs = List.of(res.sourceOnly(), res.oracle());
        System.out.println();
        System.out.println("IoU per class (%) on real/val:");
        System.out.print(SegReport.table(runs));
        System.out.printf("%ngap: oracle - source-only = %.2f mIoU19 points%n", res.gap());
        Path report = SegReport.write(out, "diffuda demo: source-only vs oracle", List.of(
                String.format("Benchmark %s; segmenter %s; %d iterations each; seed %d.", root, seg.model().backbone(),
                        seg.train().iterations(), common.seed),
                String.format("Gap oracle - source-only: %.2f mIoU19 points. Wall time %s.", res.gap(), Progress.fmt(secs))), runs);
        Json.writeFile(out.resolve("results.json"), res.summary(secs));
        System.out.println("report: " + report);
        System.out.printf("wall time: %s (%.1f s)%n", Progress.fmt(secs), secs);
    }
}
