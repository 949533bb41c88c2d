package org.diffuda.cli;

import java.nio.file.Path;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.segmentation.SegRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train-seg", mixinStandardHelpOptions = true,
        description = "Train a segmenter on labelled data (several --data mix in every batch) and evaluate it.")
public final class TrainSegCommand implements Runnable {
    @Mixin
    CommonOptions common;
    @Mixin
    SegOptions seg;

    @Option(names = "--data", split = ",", defaultValue = "runs/bench-data/sim/train",
            description = "Training datasets: KIND:PATH[#SUBSET] or a folder (default: ${DEFAULT-VALUE}).")
    List<String> data;

    @Option(names = "--val", description = "Validation dataset, evaluated after training.")
    String val;

    @Option(names = "--out", defaultValue = "runs/train-seg", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue the run checkpointed in --out.")
    boolean resume;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        var o = SegRun.run(new SegRun.Spec("train-seg", data, val, out, seg.model(), seg.train(), common.seed,
                seg.eval(), resume, new BadInput(common.skipBad)), 0);
        CommonOptions.writeEffective(spec, out);
        if (o.eval() != null) {
            System.out.println(o.eval().table());
        }
        System.out.printf("trained %d iterations in %.1f s; model in %s%n", seg.train().iterations(), o.seconds(), out.resolve("model"));
    }
}
