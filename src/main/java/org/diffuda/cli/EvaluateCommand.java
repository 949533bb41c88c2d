package org.diffuda.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.diffuda.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a saved segmenter: per-class IoU, mIoU over 19/16/13 classes, JSON.")
public final class EvaluateCommand implements Runnable {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, description = "A saved model directory (config.json + model.safetensors).")
    Path model;

    @Option(names = "--data", defaultValue = "runs/bench-data/real/val", description = "Dataset to evaluate on (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--out", description = "Where to write eval.json (default: beside the model).")
    Path out;

    @Option(names = "--eval-mode", defaultValue = "whole", description = "whole or slide.")
    String mode;
    @Option(names = "--window", converter = Ranges.Count.class, defaultValue = "512", description = "Slide mode: square window side in pixels, cut to the image (default: ${DEFAULT-VALUE}).")
    int window;
    @Option(names = "--stride", converter = Ranges.Count.class, defaultValue = "256", description = "Slide mode: step between windows in pixels (default: ${DEFAULT-VALUE}).")
    int stride;

    @Override
    public void run() {
        BadInput bad = new BadInput(common.skipBad);
        var ds = Datasets.open(data, bad);
        Evaluator.Options o = mode.equals("slide") ? Evaluator.Options.slide(window, stride) : Evaluator.Options.whole();
        if (!mode.equals("slide") && !mode.equals("whole")) {
            throw new org.diffuda.util.DiffudaException("--eval-mode " + mode + ": expected whole or slide");
        }
        try (NDManager m = Engines.engine().newBaseManager(Engines.device(common.device))) {
            Segmenter s = SegModels.load(model, m);
            EvalResult r = Evaluator.evaluate(s, ds, o, bad, null);
            System.out.print(r.table());
            Path dst = (out == null ? model : out).resolve("eval.json");
            Json.writeFile(dst, r);
            System.out.println("wrote " + dst + (bad.skipped() > 0 ? " (skipped " + bad.skipped() + " bad files)" : ""));
        }
    }
}
