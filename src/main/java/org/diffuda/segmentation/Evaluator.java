package org.diffuda.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.diffuda.data.BadInput;
import org.diffuda.data.Batch;
import org.diffuda.data.DataException;
import org.diffuda.data.Dataset;
import org.diffuda.data.Sample;
import org.diffuda.nn.Ops;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Progress;

/**
 * Runs a segmenter over a labelled dataset and accumulates the confusion matrix. Inference is
 * whole-image or sliding-window (mmsegmentation's slide_inference: windows at multiples of the
 * stride, the last one flush with the border, logits averaged where windows overlap).
 */
public final class Evaluator {
    /** mode "whole" or "slide"; window and stride as H×W (512/256 at real scale). */
    public record Options(String mode, int windowH, int windowW, int strideH, int strideW, int batchSize) {
        public static Options whole() {
            return new Options("whole", 0, 0, 0, 0, 8);
        }

        public static Options slide(int window, int stride) {
            return new Options("slide", window, window, stride, stride, 1);
        }
    }

    /** One evaluated image, for grids. */
    public record Prediction(Sample sample, int[] pred) {}

    private Evaluator() {}

    public static EvalResult evaluate(Segmenter model, Dataset ds, Options o, BadInput bad, Consumer<Prediction> sink) {
        if (!ds.labelled()) {
            throw new DiffudaException(ds.name() + ": has no labels to evaluate against");
        }
        ConfusionMatrix cm = new ConfusionMatrix();
        int n = 0;
        int batch = o.mode().equals("whole") ? Math.max(1, o.batchSize()) : 1;
        try (Progress p = new Progress("evaluate", ds.size())) {
            List<Sample> pending = new ArrayList<>();
            for (int i = 0; i < ds.size(); i++) {
                Sample s;
                try {
                    s = ds.load(i);
                } catch (DataException e) {
                    bad.report(e);
                    p.step();
                    continue;
                }
                if (!pending.isEmpty() && (pending.size() == batch || pending.get(0).height() != s.height()
                        || pending.get(0).width() != s.width())) {
                    n += flush(model, pending, o, cm, sink);
                    pending.clear();
                }
                pending.add(s);
                p.step();
            }
            if (!pending.isEmpty()) {
                n += flush(model, pending, o, cm, sink);
            }
        }
        return EvalResult.of(ds.name(), n, cm);
    }

    private static int flush(Segmenter model, List<Sample> samples, Options o, ConfusionMatrix cm, Consumer<Prediction> sink) {
        List<int[]> preds = predict(model, samples, o);
        for (int i = 0; i < samples.size(); i++) {
            cm.add(preds.get(i), samples.get(i).label());
            if (sink != null) {
                sink.accept(new Prediction(samples.get(i), preds.get(i)));
            }
        }
        return samples.size();
    }

    /** Arg-max predictions (train ids) for equally sized samples. */
    public static List<int[]> predict(Segmenter model, List<Sample> samples, Options o) {
        NDManager root = model.getParameters().get(0).getValue().getArray().getManager();
        try (NDManager sub = root.newSubManager()) {
            NDArray x = Batch.of(samples).images(sub);
            NDArray logits = o.mode().equals("slide") ? slide(model, x, o) : model.logits(x, false);
            NDArray arg = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT32, false);
            int[] all = arg.toIntArray();
            int per = samples.get(0).pixels();
            List<int[]> out = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                int[] p = new int[per];
                System.arraycopy(all, i * per, p, 0, per);
                out.add(p);
            }
            return out;
        }
    }

    static NDArray slide(Segmenter model, NDArray x, Options o) {
        long n = x.getShape().get(0), h = x.getShape().get(2), w = x.getShape().get(3);
        int ch = o.windowH(), cw = o.windowW(), sh = o.strideH(), sw = o.strideW();
        long hGrids = Math.max(h - ch + sh - 1, 0) / sh + 1, wGrids = Math.max(w - cw + sw - 1, 0) / sw + 1;
        int k = model.config().numClasses();
        NDArray sum = x.getManager().zeros(new Shape(n, k, h, w));
        NDArray count = x.getManager().zeros(new Shape(1, 1, h, w));
        for (long hi = 0; hi < hGrids; hi++) {
            for (long wi = 0; wi < wGrids; wi++) {
                long y1 = hi * sh, x1 = wi * sw;
                long y2 = Math.min(y1 + ch, h), x2 = Math.min(x1 + cw, w);
                y1 = Math.max(y2 - ch, 0);
                x1 = Math.max(x2 - cw, 0);
                NDIndex idx = new NDIndex(":, :, {}:{}, {}:{}", y1, y2, x1, x2);
                NDArray crop = x.get(idx);
                NDArray l = Ops.resize(model.run(crop, false).logits(), y2 - y1, x2 - x1, Ops.BILINEAR);
                sum.set(idx, sum.get(idx).add(l));
                count.set(idx, count.get(idx).add(1f));
            }
        }
        return sum.div(count);
    }
}
