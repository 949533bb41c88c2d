package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Tensors;
import org.diffuda.segmentation.models.Segmenter;

/**
 * The mean teacher of DAFormer/DACS: φ ← α_t·φ + (1 − α_t)·θ with α_t = min(1 − 1/(t + 1), α), so
 * the teacher equals the student at t = 0 and follows it ever more slowly. Parameters and
 * normalisation buffers are averaged (DAFormer's teacher is a MiT with LayerNorms only; with
 * BatchNorm, averaged running statistics let the teacher predict in eval mode — diffuda's
 * choice). The teacher predicts with dropout and drop-path off.
 */
public final class Teacher {
    private final Segmenter model;
    private final double alpha;

    public Teacher(Segmenter model, double alpha) {
        this.model = model;
        this.alpha = alpha;
        ParamNames.of(model).values().forEach(p -> p.getArray().setRequiresGradient(false));
    }

    public Segmenter model() {
        return model;
    }

    /** α_t of iteration t (0-based). */
    public double decay(long t) {
        return Math.min(1 - 1.0 / (t + 1), alpha);
    }

    /** (teacher, student) arrays, paired once: parameters are updated in place, so the pairs stay valid. */
    private java.util.List<NDArray[]> pairs;
    private Segmenter pairedWith;

    /** Before iteration t's losses: the teacher moves toward the student's current weights. */
    public void update(Segmenter student, long t) {
        if (pairedWith != student) {
            Map<String, Parameter> s = ParamNames.of(student);
            pairs = new java.util.ArrayList<>();
            ParamNames.of(model).forEach((k, p) -> pairs.add(new NDArray[] {p.getArray(), s.get(k).getArray()}));
            pairedWith = student;
        }
        double a = decay(t);
        try (NDManager sub = pairs.get(0)[1].getManager().newSubManager()) {
            for (NDArray[] pr : pairs) {
                if (a == 0) {
                    Tensors.copyInto(pr[0], pr[1]);
                    continue;
                }
                NDArray d = pr[1].sub(pr[0]); // φ += (1 − α)(θ − φ)
                d.attach(sub);
                pr[0].addi(Tensors.muli(d, 1 - a));
            }
        }
    }

    /** The teacher's softmax on clean target images (no gradient, dropout off). */
    public NDArray probabilities(NDArray images) {
        return model.logits(images, false).softmax(1);
    }
}
