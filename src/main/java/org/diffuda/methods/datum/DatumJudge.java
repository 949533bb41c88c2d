package org.diffuda.methods.datum;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Classes;
import org.diffuda.data.ImageGrid;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.data.Transforms;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.DiffusionSampler;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.prior.CaptionedImages;
import org.diffuda.eval.DdpmJudge;
import org.diffuda.eval.DomainJudge;
import org.diffuda.eval.PriorJudge;
import org.diffuda.nn.Tensors;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.diffuda.util.Json;

/**
 * Does personalisation work, and what does it cost? For each model (the base prior and
 * personalised ones), n samples of every thing-class prompt with the token ("a photo of a sks
 * car") and without it ("a photo of a car", language drift) are judged by two classifiers: sim vs
 * real (trained on benchmark images) and the object class (trained on the prior corpus' object
 * crops). Also the RMSE of each sample to the one-shot image (layout copying), and optionally the
 * share of a generated set judged real. Writes {@code judge.json} and {@code grid.png} (the
 * one-shot image, then one row per model, one column per class prompt).
 */
public final class DatumJudge {
    /** A model to judge, by name. */
    public record Model(String name, Path dir) {}

    private DatumJudge() {}

    /** The corpus must hold captioned crops of every thing class for the object judge: checked before the run starts. */
    public static void checkCorpus(Path corpus) {
        CaptionedImages.requireObjects(corpus, objectNames(), "the personalisation judge (--judge-samples; 0 turns it off)");
    }

    private static List<String> objectNames() {
        return Classes.THINGS.stream().map(c -> Classes.NAMES[c]).toList();
    }

    public static Map<String, Object> run(List<Model> models, Sample oneShot, Path benchmark, Path corpus, String token,
                                          GenerationConfig g, int n, int classifierIters, Path generated, Path out, long seed,
                                          BadInput bad) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            int[] size = TextToImage.imageSize(models.get(0).dir());
            int h = size[0], w = size[1];
            DdpmJudge.SimVsReal domain = DdpmJudge.simVsReal(benchmark, h, w, classifierIters, seed, bad, m);
            List<String> names = objectNames();
            DomainJudge objects = PriorJudge.classifier(CaptionedImages.load(corpus, h, w), names, false, h, w, classifierIters, seed, m);
            float[] one = Transforms.resizeTo(oneShot, h, w).image();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("samples_per_prompt", n);
            report.put("domain_classifier_accuracy_real_val", domain.realVal());
            report.put("domain_classifier_accuracy_held_out_sim", domain.simHeldOut());
            List<BufferedImage> cells = new ArrayList<>();
            cells.add(Png.fromChw(one, h, w));
            for (int k = 1; k < names.size(); k++) {
                cells.add(Png.fromChw(new float[3 * h * w], h, w));
            }
            Map<String, Object> perModel = new LinkedHashMap<>();
            for (Model md : models) {
                PipelineFolder.StableDiffusion p = PipelineFolder.load(md.dir(), m);
                Map<String, Object> r = new LinkedHashMap<>();
                for (boolean withToken : new boolean[] {true, false}) {
                    double real = 0, correct = 0, rmse = 0;
                    Map<String, Double> perClass = new LinkedHashMap<>();
                    for (int k = 0; k < names.size(); k++) {
                        String prompt = withToken ? "a photo of a " + token + " " + names.get(k) : "a photo of a " + names.get(k);
                        try (NDManager sub = m.newSubManager()) {
                            NDArray imgs = TextToImage.generate(p, Collections.nCopies(n, prompt), null,
                                    DiffusionSampler.Options.of(g.steps()).withGuidance(g.guidance())
                                            .withGenerator(Generator.perItem(seed, "datum judge:" + prompt, 0, n)), sub, SamplingHook.NONE);
                            real += domain.judge().share(imgs, 1) * n;
                            double acc = objects.share(imgs, k);
                            perClass.put(names.get(k), acc);
                            correct += acc * n;
                            NDArray ref = Tensors.create(sub, one, new ai.djl.ndarray.types.Shape(1, 3, h, w));
                            rmse += imgs.sub(ref).square().reshape(n, -1).mean(new int[] {1}).sqrt().sum().getFloat();
                            if (withToken) {
                                cells.add(Png.fromChw(imgs.get(0).toFloatArray(), h, w));
                            }
                        }
                    }
                    int total = n * names.size();
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("share_judged_real", real / total);
                    s.put("object_accuracy", correct / total);
                    s.put("object_accuracy_per_class", perClass);
                    s.put("rmse_to_one_shot_image", rmse / total);
                    r.put(withToken ? "with_token" : "without_token", s);
                }
                perModel.put(md.name(), r);
            }
            report.put("models", perModel);
            if (generated != null) {
                var imgs = DomainJudge.images(org.diffuda.data.Datasets.open(generated.toString(), bad), h, w, Integer.MAX_VALUE);
                report.put("generated_set_share_judged_real", domain.judge().accuracy(imgs, 1));
                report.put("generated_set_images", imgs.size());
            }
            List<String> rows = new ArrayList<>();
            rows.add("one-shot image");
            models.forEach(md -> rows.add(md.name().length() > 28 ? "…" + md.name().substring(md.name().length() - 27) : md.name()));
            Png.write(ImageGrid.grid(cells, names.size(), names, rows, 2), out.resolve("grid.png"));
            Json.writeFile(out.resolve("judge.json"), report);
            return report;
        }
    }
}
