package org.diffuda.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Datasets;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.diffusion.pipelines.PixelDdpm;
import org.diffuda.util.Generator;

/**
 * Does a pixel DDPM trained on the target produce the target's look? A sim-vs-real classifier
 * is trained on benchmark images (sim 0..399, real train 0..399), checked on held-out sim
 * (400..499) and real val images (so "always real" cannot pass), and the share of DDIM samples
 * it calls real is reported.
 */
public final class DdpmJudge {
    /** What the judge found, and the samples it judged. */
    public record Result(Map<String, Object> report, NDArray samples) {}

    private DdpmJudge() {}

    public static Result run(Path model, Path benchmark, int n, int steps, int classifierIters, int h, int w, long seed,
                             BadInput bad, NDManager m) {
        SimVsReal judge = simVsReal(benchmark, h, w, classifierIters, seed, bad, m);
        UNet2DModel u = PixelDdpm.load(model, m);
        NDArray imgs = PixelDdpm.sample(u, PixelDdpm.scheduler(model), "DDIMScheduler", steps, n, h, w, m,
                Generator.perItem(seed, "ddpm judge", 0, n));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("samples", n);
        r.put("ddim_steps", steps);
        r.put("share_judged_real", judge.judge().share(imgs, 1));
        r.put("classifier_accuracy_on_real_val", judge.realVal());
        r.put("classifier_accuracy_on_held_out_sim", judge.simHeldOut());
        return new Result(r, imgs);
    }

    /** The sim-vs-real classifier (label 1 = real) and its accuracy on held-out real val and sim images. */
    public record SimVsReal(DomainJudge judge, double realVal, double simHeldOut) {}

    /** Trained on sim/train 0..399 and real/train 0..399 of a benchmark, at h × w; checked on real/val and sim 400..499. */
    public static SimVsReal simVsReal(Path benchmark, int h, int w, int classifierIters, long seed, BadInput bad, NDManager m) {
        var simAll = DomainJudge.images(Datasets.open(benchmark.resolve("sim/train").toString(), bad), h, w, 500);
        var sim = simAll.subList(0, Math.min(400, simAll.size()));
        var real = DomainJudge.images(Datasets.open(benchmark.resolve("real/train").toString(), bad), h, w, 400);
        DomainJudge judge = DomainJudge.train(List.of(sim, real), h, w, classifierIters, seed, m);
        var realHeldOut = DomainJudge.images(Datasets.open(benchmark.resolve("real/val").toString(), bad), h, w, 100);
        double realVal = judge.accuracy(realHeldOut, 1);
        double simHeldOut = simAll.size() > 400 ? judge.accuracy(simAll.subList(400, simAll.size()), 0) : Double.NaN;
        return new SimVsReal(judge, realVal, simHeldOut);
    }
}
