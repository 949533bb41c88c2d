package org.diffuda.cli;

import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.uda.ClassStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code diffuda rcs stats --data DIR}: class frequencies and Rare Class Sampling probabilities. */
@Command(name = "rcs", mixinStandardHelpOptions = true, description = "Rare Class Sampling (DAFormer) statistics.",
        subcommands = {RcsCommand.Stats.class})
public final class RcsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Per-class pixel share, images eligible for the class and its sampling probability (cached beside the data).")
    public static final class Stats implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--data", required = true, description = "Labelled source dataset.")
        String data;
        @Option(names = "--temperature", converter = Ranges.Positive.class, defaultValue = "0.01", description = "RCS temperature T (default: ${DEFAULT-VALUE}).")
        double temperature;
        @Option(names = "--min-pixels", converter = Ranges.NonNegative.class, defaultValue = "3000",
                description = "Pixels of a class an image needs, at 512x512 (scaled to the image area; default: ${DEFAULT-VALUE}).")
        int minPixels;

        @Override
        public void run() {
            Dataset d = Datasets.openLabelled("--data", data, new BadInput(common.skipBad));
            ClassStats s = ClassStats.of(d);
            System.out.printf("%-15s %10s %10s %12s%n", "class", "pixels", "images", "P(class)");
            for (String[] r : s.table(temperature, minPixels)) {
                System.out.printf("%-15s %10s %10s %12s%n", r[0], r[1], r[2], r[3]);
            }
            System.out.printf("min pixels per eligible image: %d of %s (%d at 512x512)%n", s.minPixels(minPixels), d.name(), minPixels);
        }
    }
}
