package org.diffuda.methods.zodi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Loader;
import org.diffuda.data.Sample;
import org.diffuda.nn.Ops;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.Losses;
import org.diffuda.segmentation.SegRun;
import org.diffuda.segmentation.SegTrainer;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.training.Trainer;
import org.diffuda.util.DiffudaException;

/**
 * ZoDi stage 2, model adaptation: every step takes pairs (x, x') of a source image and its
 * transfer, which share the label y, under the same crop, flip and colour jitter, and minimises
 * L = CE(H(F(x)), y) + CE(H(F(x')), y) + λ·(1 − cos(p(F(x)), p(F(x')))), p the global average
 * pool of the last encoder stage, no projector, the gradient through both branches. The two
 * images go through the segmenter in separate forward passes, as the formula reads (each its
 * own batch-norm statistics).
 */
public final class ZodiAdaptation {
    private ZodiAdaptation() {}

    /**
     * The source and the generated set as two aligned views: index i of both is the same image
     * id, found by name (never by listing order). A source image without a transfer is an error
     * naming it; a transfer of another size than its source is bad input.
     */
    public static List<Dataset> pairs(Dataset source, Dataset generated) {
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < generated.size(); i++) {
            byId.put(generated.id(i), i);
        }
        int[] partner = new int[source.size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            Integer j = byId.get(ZodiTransfer.fileStem(source.id(i)));
            if (j == null) {
                missing.add(source.id(i));
                partner[i] = -1;
            } else {
                partner[i] = j;
            }
        }
        if (!missing.isEmpty()) {
            throw new DiffudaException("--generated " + generated.name() + ": no transferred image for " + missing.size() + " of " + source.size()
                    + " source images (first: " + missing.get(0) + "); finish it with transfer zodi (it resumes)");
        }
        if (!generated.labelled()) {
            throw new DiffudaException("--generated " + generated.name() + ": has no labels/ folder (transfer zodi copies the source labels)");
        }
        return List.of(new View(source, generated, partner, false), new View(source, generated, partner, true));
    }

    /** One side of the aligned pairs; loading checks both sides, so a bad file drops the pair from both loaders alike. */
    private record View(Dataset source, Dataset generated, int[] partner, boolean generatedSide) implements Dataset {
        @Override
        public String name() {
            return generatedSide ? generated.name() : source.name();
        }

        @Override
        public int size() {
            return source.size();
        }

        @Override
        public String id(int index) {
            return source.id(index);
        }

        @Override
        public boolean labelled() {
            return true;
        }

        @Override
        public Sample load(int index) {
            Sample s = source.load(index), g = generated.load(partner[index]);
            if (g.height() != s.height() || g.width() != s.width()) {
                throw new DataException(java.nio.file.Path.of(generated.name(), g.id()), "is " + g.height() + "x" + g.width()
                        + ", its source " + s.id() + " is " + s.height() + "x" + s.width());
            }
            // the pair is trained on the source label (the transfer's label is a copy of it)
            return generatedSide ? new Sample(s.id(), s.height(), s.width(), g.image(), s.label()) : s;
        }
    }

    /** 1 − cos(p(a), p(b)), averaged over the batch; p: global average pooling over H, W. */
    public static NDArray similarityLoss(NDArray a, NDArray b) {
        NDArray pa = a.mean(new int[] {3}).mean(new int[] {2}), pb = b.mean(new int[] {3}).mean(new int[] {2});
        NDArray dot = pa.mul(pb).sum(new int[] {1});
        NDArray norms = Tensors.maximum(pa.square().sum(new int[] {1}).mul(pb.square().sum(new int[] {1})).sqrt(), 1e-8);
        return Tensors.affine(dot.div(norms), -1, 1).mean();
    }

    /** The step for {@link SegRun#run(SegRun.Spec, int, SegRun.StepFactory)} on data {source, generated}, aligned by {@link #pairs}. */
    public static SegRun.StepFactory step(TrainConfig cfg, double lambdaSim, long seed, BadInput bad) {
        return new SegRun.StepFactory() {
            @Override
            public Trainer.Step step(Segmenter model, List<Dataset> data) {
                if (data.size() != 2) {
                    throw new IllegalArgumentException("ZoDi adaptation trains on {source, generated}");
                }
                List<Dataset> views = pairs(data.get(0), data.get(1));
                return new Step(model, views.get(0), views.get(1), cfg, lambdaSim, seed, bad);
            }

            @Override
            public Map<String, Object> config() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("method", "zodi");
                m.put("lambda_sim", lambdaSim);
                return m;
            }
        };
    }

    private static final class Step implements Trainer.Step {
        private final Segmenter model;
        private final Dataset source, generated;
        private final TrainConfig cfg;
        private final double lambda;
        private final long seed;
        private final BadInput bad;
        private Loader src, gen;

        Step(Segmenter model, Dataset source, Dataset generated, TrainConfig cfg, double lambda, long seed, BadInput bad) {
            this.model = model;
            this.source = source;
            this.generated = generated;
            this.cfg = cfg;
            this.lambda = lambda;
            this.seed = seed;
            this.bad = bad;
        }

        @Override
        public void start(long iteration) {
            // the same seed, sampler and transform streams: slot j of both batches is one pair under one augmentation
            src = new Loader(List.of(source), Loader.epochSampler(List.of(source), seed), cfg.batchSize(), SegTrainer.pipeline(cfg), seed,
                    iteration, 1, 4, bad);
            gen = new Loader(List.of(generated), Loader.epochSampler(List.of(generated), seed), cfg.batchSize(), SegTrainer.pipeline(cfg),
                    seed, iteration, 1, 4, bad);
        }

        @Override
        public Map<String, Double> run(Trainer.Iteration it) {
            NDManager m = it.manager();
            Batch sb = src.next(), gb = gen.next();
            NDArray xs = sb.images(m), ys = sb.labels(m), xg = gb.images(m), yg = gb.labels(m);
            double[] parts = new double[3];
            double loss = it.backward(() -> {
                Segmenter.Output os = model.run(xs, true), og = model.run(xg, true);
                long h = xs.getShape().get(2), w = xs.getShape().get(3);
                NDArray ceS = Losses.crossEntropy(Ops.resize(os.logits(), h, w, Ops.BILINEAR), ys, null);
                NDArray ceG = Losses.crossEntropy(Ops.resize(og.logits(), h, w, Ops.BILINEAR), yg, null);
                NDArray sim = similarityLoss(last(os), last(og));
                parts[0] = ceS.getFloat();
                parts[1] = ceG.getFloat();
                parts[2] = sim.getFloat();
                NDArray total = ceS.add(ceG);
                return lambda > 0 ? total.add(Tensors.mul(sim, lambda)) : total;
            });
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("loss", loss);
            out.put("loss_source", parts[0]);
            out.put("loss_generated", parts[1]);
            out.put("loss_sim", parts[2]);
            return out;
        }

        private static NDArray last(Segmenter.Output o) {
            return o.features().get(o.features().size() - 1);
        }

        @Override
        public void close() {
            if (src != null) {
                src.close();
            }
            if (gen != null) {
                gen.close();
            }
        }
    }
}
