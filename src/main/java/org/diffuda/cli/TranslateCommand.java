package org.diffuda.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.BadInput;
import org.diffuda.data.Dataset;
import org.diffuda.data.Datasets;
import org.diffuda.data.Png;
import org.diffuda.data.Readers;
import org.diffuda.data.Sample;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.methods.sggptl.Arrangement;
import org.diffuda.methods.sggptl.TranslatedDataset;
import org.diffuda.methods.sggptl.SggPtlConfig;
import org.diffuda.methods.sggptl.Translator;
import org.diffuda.data.ImageGrid;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "translate", mixinStandardHelpOptions = true, description = "Image translation alone (no segmenter training).",
        subcommands = {TranslateCommand.Sgg.class})
public final class TranslateCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "sgg", mixinStandardHelpOptions = true,
            description = "phi^n translation of labelled images with a target pixel DDPM, guided by a segmenter (SGG); writes a folder dataset.")
    public static final class Sgg implements Runnable {
        @Mixin
        CommonOptions common;
        @Option(names = "--denoiser", defaultValue = "models/ddpm-real", description = "Pixel DDPM folder (default: ${DEFAULT-VALUE}).")
        Path denoiser;
        @Option(names = "--segmenter", description = "Segmenter folder (model.safetensors + config.json); omit with --guidance none.")
        Path segmenter;
        @Option(names = "--images", required = true, description = "Labelled dataset (KIND:PATH) or a folder of PNG images (with --labels).")
        String images;
        @Option(names = "--labels", description = "Folder of train-id label PNGs named as the images.")
        Path labels;
        @Option(names = "--out", defaultValue = "runs/translated", description = "Output folder dataset (default: ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--guidance", defaultValue = "alternate", description = "alternate, local, global, local-then-global, global-then-local, random or none (default: ${DEFAULT-VALUE}).")
        String guidance;
        @Option(names = "--scale", converter = Ranges.NonNegativeReal.class, defaultValue = "0.2", description = "Guidance scale lambda (default: ${DEFAULT-VALUE}).")
        double scale;
        @Option(names = "--steps", converter = Ranges.Count.class, defaultValue = "200", description = "n: diffusion steps of phi^n (default: ${DEFAULT-VALUE}).")
        int steps;
        @Option(names = "--step-stride", converter = Ranges.Count.class, defaultValue = "25", description = "Reverse steps at most r timesteps apart (1: the full chain; default: ${DEFAULT-VALUE}).")
        int stepStride;
        @Option(names = "--variance", defaultValue = "fixed_small", description = "Sigma of the reverse steps: fixed_small (posterior variance of each step or jump) or fixed_large (beta_t, the paper's, for --step-stride 1) (default: ${DEFAULT-VALUE}).")
        String variance;
        @Option(names = "--size", defaultValue = "32x64", description = "Denoiser working size HxW (default: ${DEFAULT-VALUE}).")
        String size;
        @Option(names = "--batch", converter = Ranges.Count.class, defaultValue = "16", description = "Images translated together; each batch draws from its own generator, so another batch size gives other images (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--limit", converter = Ranges.NonNegative.class, defaultValue = "0", description = "Translate only the first N images (0: all).")
        int limit;

        @Override
        public void run() {
            int[] hw = Sizes.parse(size, "--size");
            if (steps < 1 || steps > 1000 || stepStride < 1) {
                throw new DiffudaException("--steps " + steps + " / --step-stride " + stepStride + ": need 1 <= steps <= 1000, stride >= 1");
            }
            SggPtlConfig.checkVariance(variance);
            Arrangement a = "none".equals(guidance) ? null : Arrangement.parse(guidance);
            if (a != null && segmenter == null) {
                throw new DiffudaException("--segmenter: required for guidance '" + guidance + "' (or pass --guidance none)");
            }
            if (java.nio.file.Files.exists(out)) {
                throw new DiffudaException("--out " + out + ": exists; choose a new folder (a translation is written whole or not at all)");
            }
            BadInput bad = new BadInput(common.skipBad);
            Dataset ds = labels != null ? Readers.pairs(Path.of(images), labels, bad) : Datasets.open(images, bad);
            if (!ds.labelled()) {
                throw new DiffudaException("--images " + images + ": no labels found; pass --labels DIR");
            }
            int n = limit > 0 ? Math.min(limit, ds.size()) : ds.size();
            int[] idx = java.util.stream.IntStream.range(0, n).toArray();
            try (NDManager m = Engines.engine().newBaseManager()) {
                UNet2DModel unet = PixelDdpm.load(denoiser, m);
                SchedulerConfig sc = PixelDdpm.scheduler(denoiser);
                Segmenter g = segmenter == null ? null : SegModels.load(segmenter, m);
                TranslatedDataset.write(out, ds, idx, batch, bad, steps, (x, y, b) -> Translator.translate(unet, sc, g, x, y,
                        new Translator.Options(steps, stepStride, scale, a, hw[0], hw[1], Translator.batchSeed(common.seed, steps, b), variance)));
            }
            List<BufferedImage> cells = new ArrayList<>();
            for (int i = 0; i < Math.min(6, n); i++) {
                Sample s = ds.load(i);
                cells.add(Png.fromChw(s.image(), s.height(), s.width()));
                cells.add(Png.read(out.resolve("images").resolve(TranslatedDataset.fileName(s.id()))));
                cells.add(Png.colorize(s.label(), s.height(), s.width()));
            }
            Path grid = out.resolveSibling(out.getFileName() + "-grid.png");
            Png.write(ImageGrid.grid(cells, 3, List.of("source", "translated n=" + steps, "label"), 2), grid);
            System.out.println("translated " + n + " images into " + out + "; grid: " + grid);
        }
    }
}
