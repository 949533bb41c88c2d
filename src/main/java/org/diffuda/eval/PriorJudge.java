package org.diffuda.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.prior.CaptionedImages;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Generator;

/**
 * Does the prior follow its prompts? For a set of classes (conditions by caption style, or
 * objects), a classifier is trained on the corpus images of each class, then n samples of each
 * class's prompt are generated and the share classified as that class is reported.
 */
public final class PriorJudge {
    /** The shares per prompt (and overall accuracy), and the samples, prompt by prompt. */
    public record Result(Map<String, Object> report, List<NDArray> samples) {}

    /** The two protocols the README reports: conditions (by style) and objects. */
    public static final List<String> CONDITIONS = List.of("night", "snow", "fog");
    public static final List<String> CONDITION_PROMPTS = List.of("driving at night", "driving in snow", "driving in fog");
    public static final List<String> OBJECTS = List.of("car", "bus");
    public static final List<String> OBJECT_PROMPTS = List.of("a photo of a car", "a photo of a bus");

    private PriorJudge() {}

    public static Result run(PipelineFolder.StableDiffusion p, CaptionedImages corpus, List<String> classes, boolean byStyle,
                             List<String> prompts, int n, int steps, double guidance, int classifierIters, long seed, NDManager m) {
        int[] size = TextToImage.imageSize(p);
        DomainJudge judge = classifier(corpus, classes, byStyle, size[0], size[1], classifierIters, seed, m);
        Map<String, Object> r = new LinkedHashMap<>();
        List<NDArray> samples = new ArrayList<>();
        int correct = 0;
        for (int k = 0; k < prompts.size(); k++) {
            List<String> batch = java.util.Collections.nCopies(n, prompts.get(k));
            NDArray imgs = TextToImage.generate(p, batch, null, DiffusionSampler.Options.of(steps).withGuidance(guidance)
                    .withGenerator(Generator.perItem(seed, "prior judge:" + prompts.get(k), 0, n)), m, SamplingHook.NONE);
            double share = judge.share(imgs, k);
            correct += (int) Math.round(share * n);
            r.put(prompts.get(k), share);
            samples.add(imgs);
        }
        r.put("accuracy", (double) correct / (n * prompts.size()));
        r.put("guidance", guidance);
        r.put("steps", steps);
        return new Result(r, samples);
    }

    /** A classifier of the corpus images of each class (by style, or by object), at h × w. */
    public static DomainJudge classifier(CaptionedImages corpus, List<String> classes, boolean byStyle, int h, int w,
                                         int classifierIters, long seed, NDManager m) {
        List<List<float[]>> perClass = new ArrayList<>();
        for (String c : classes) {
            List<float[]> imgs = new ArrayList<>();
            for (int i = 0; i < corpus.size(); i++) {
                String key = byStyle ? corpus.styles().get(i) : corpus.objects().get(i);
                if (c.equals(key)) {
                    imgs.add(corpus.images().get(i));
                }
            }
            if (imgs.isEmpty()) {
                throw new DiffudaException("the corpus has no images of '" + c + "'");
            }
            perClass.add(imgs);
        }
        return DomainJudge.train(perClass, h, w, classifierIters, seed, m);
    }
}
