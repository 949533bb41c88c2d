package org.diffuda.methods.cicld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.diffuda.segmentation.models.Cicld;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Generator;

/**
 * CICLD at test time, where no label exists: the EMA student conditioned on the argmax of the
 * trained (teacher) model's unconditioned prediction ({@code conditioner} given), or the EMA
 * student unconditioned ({@code conditioner} null). Noise from the fixed generator
 * "cicld inference noise", so a prediction is deterministic.
 */
public final class CicldInference extends Segmenter {
    private final Cicld student;
    private final Cicld conditioner;

    public CicldInference(Cicld student, Cicld conditioner) {
        super(student.config());
        this.student = child("student", student); // its parameters are this segmenter's (the evaluator finds their manager)
        this.conditioner = conditioner;
    }

    @Override
    public Output run(NDArray images, boolean training) {
        if (training) {
            throw new IllegalStateException("CicldInference predicts; train the Cicld model itself");
        }
        NDArray cond = null;
        if (conditioner != null) {
            NDArray y = conditioner.run(images, false).logits().argMax(1).toType(DataType.INT64, false);
            cond = student.condition(y, false);
        }
        Cicld.Pass p = student.forward(images, cond, Generator.of(0, "cicld inference noise"), false);
        java.util.List<NDArray> feats = new java.util.ArrayList<>(p.encoderFeatures());
        feats.add(p.z0());
        return new Output(p.logits(), feats);
    }
}
