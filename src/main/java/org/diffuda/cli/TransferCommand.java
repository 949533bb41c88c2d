package org.diffuda.cli;

import java.nio.file.Path;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.methods.zodi.ZodiConfig;
import org.diffuda.methods.zodi.ZodiTransfer;
import org.diffuda.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "transfer", mixinStandardHelpOptions = true, description = "Image transfer of labelled source images to a target domain.",
        subcommands = {TransferCommand.Zodi.class})
public final class TransferCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "zodi", mixinStandardHelpOptions = true,
            description = "ZoDi's zero-shot transfer: stochastic inversion + ControlNet-guided DDIM, one output per input, labels copied; resumable.")
    public static final class Zodi implements Runnable {
        @Mixin
        CommonOptions common;
        @Mixin
        ZodiOptions zodi;
        @Option(names = "--data", defaultValue = "runs/bench-data/real/train", description = "Labelled source dataset (default: ${DEFAULT-VALUE}).")
        String data;
        @Option(names = "--limit", converter = Ranges.NonNegative.class, defaultValue = "0", description = "Transfer only the first N images by id (0: all).")
        int limit;
        @Option(names = "--out", defaultValue = "runs/zodi-transfer", description = "Output folder dataset (default: ${DEFAULT-VALUE}).")
        Path out;
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            ZodiConfig c = zodi.config(null);
            BadInput bad = new BadInput(common.skipBad);
            Dataset src = Datasets.open(data, bad);
            long t0 = System.nanoTime();
            int made = ZodiTransfer.run(zodi.models(c.usesControlNet()), src, c, out, common.seed, limit, bad);
            CommonOptions.writeEffective(spec, out);
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%d images transferred (%s) to %s in %s; manifest %s%n", made, c.mode(), out, Progress.fmt(secs),
                    out.resolve("manifest.jsonl"));
        }
    }
}
