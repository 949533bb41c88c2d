package org.diffuda.methods.cicld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.Batch;
import org.diffuda.data.Dataset;
import org.diffuda.data.Sample;
import org.diffuda.segmentation.models.Cicld;
import org.diffuda.util.Generator;

/**
 * Where a trained CICLD's prediction comes from: how far the mask-conditioning gate moves the
 * U-Net's middle features, how far that moves z̄₀ and the logits, and how much the decoder cares
 * about the diffusion branch at all (z̄₀ replaced by the undiffused z₀). Measured on the first
 * {@code n} validation images with the test-time rule (the EMA student conditioned on the trained
 * model's unconditioned prediction) and the fixed inference noise. A diagnostic: nothing is
 * trained or selected with it.
 */
public final class CicldPaths {
    private CicldPaths() {}

    /** The measures, means over the images; the gate's are null for a model built without conditioning. */
    public static Map<String, Object> measure(Cicld student, Cicld trained, Dataset val, int n, int batch) {
        NDManager root = student.getParameters().get(0).getValue().getArray().getManager();
        double gate = 0, zCond = 0, logitsCond = 0, pixCond = 0, zMove = 0, pixZ0 = 0;
        int images = Math.min(n, val.size());
        boolean conditioned = student.cicldConfig().condition();
        for (int from = 0; from < images; from += batch) {
            List<Sample> samples = new ArrayList<>();
            for (int i = from; i < Math.min(images, from + batch); i++) {
                samples.add(val.load(i));
            }
            double w = (double) samples.size() / images;
            try (NDManager sub = root.newSubManager()) {
                NDArray x = Batch.of(samples).images(sub);
                NDArray y = trained.run(x, false).logits().argMax(1).toType(DataType.INT64, false);
                NDArray c = student.condition(y, false);
                NDArray[] enc = student.encode(x, false);
                NDArray z0 = enc[enc.length - 1];
                NDArray zc = student.denoise(z0, c, noise(), null, false);
                NDArray zn = student.denoise(z0, null, noise(), null, false);
                NDArray lc = student.decode(zc, enc, false), ln = student.decode(zn, enc, false), l0 = student.decode(z0, enc, false);
                if (conditioned) {
                    gate += w * gateShare(student, z0, c);
                }
                zCond += w * rel(zc, zn);
                logitsCond += w * rel(lc, ln);
                pixCond += w * changed(lc, ln);
                zMove += w * rel(zn, z0);
                pixZ0 += w * changed(l0, ln);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", images);
        m.put("gate_increment_over_mid_features", conditioned ? gate : null);
        m.put("zbar_change_by_condition", conditioned ? zCond : null);
        m.put("logits_change_by_condition", conditioned ? logitsCond : null);
        m.put("pixels_changed_by_condition", conditioned ? pixCond : null);
        m.put("zbar_moved_from_z0", zMove);
        m.put("pixels_changed_if_decoder_reads_z0", pixZ0);
        return m;
    }

    private static Generator noise() {
        return Generator.of(0, "cicld inference noise");
    }

    /** Mean per-location |σ(o·c)c| over mean per-location |o| at the chain's first step. */
    private static double gateShare(Cicld model, NDArray z0, NDArray c) {
        int t0 = model.chain()[0];
        NDArray zt = model.scheduler().addNoise(z0, noise().randn(z0.getManager(), z0.getShape()), t0);
        float[] t = new float[(int) z0.getShape().get(0)];
        java.util.Arrays.fill(t, t0);
        double[] share = new double[1];
        model.unet().predict(zt, t, (down, o) -> {
            NDArray inc = Cicld.gate(o, c).sub(o);
            share[0] = norms(inc) / norms(o);
            return o;
        }, false);
        return share[0];
    }

    private static double norms(NDArray a) {
        return a.square().sum(new int[] {1}).sqrt().mean().getFloat();
    }

    private static double rel(NDArray a, NDArray b) {
        return a.sub(b).norm().getFloat() / b.norm().getFloat();
    }

    private static double changed(NDArray la, NDArray lb) {
        return la.argMax(1).neq(lb.argMax(1)).toType(DataType.FLOAT32, false).mean().getFloat();
    }
}
