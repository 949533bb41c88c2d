package org.diffuda.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.diffuda.nn.Linear;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    @Test
    void nonFiniteGradientsSkipTheStepAndLeaveWeightsClean() {
        Engines.seed(0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            Linear l = new Linear(3, 2).init(m);
            var params = ParamNames.trainable(l);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, 0.01).clipGradNorm(1.0);
            float[] before = params.get("weight").getArray().toFloatArray();
            try (NDManager sub = m.newSubManager()) {
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    gc.backward(l.forward(sub.ones(new Shape(1, 3)).mul(Float.MAX_VALUE), false).mul(1e30f).sum());
                }
                assertFalse(opt.step(1e-2));
            }
            assertArrayEquals(before, params.get("weight").getArray().toFloatArray());
            assertEquals(1, opt.skipped());
            try (NDManager sub = m.newSubManager()) {
                try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                    gc.backward(l.forward(sub.ones(new Shape(1, 3)), false).sum());
                }
                assertTrue(opt.step(1e-2), "the zeroed buffers take the next finite gradient");
            }
            float[] after = params.get("weight").getArray().toFloatArray();
            for (float v : after) {
                assertTrue(Float.isFinite(v));
            }
            assertTrue(after[0] < before[0], "an AdamW step on a positive gradient lowers the weight");
        }
    }

    /** torch.optim.AdamW's update, in double, for one tensor. */
    static void torchAdamW(double[] w, double[] g, double[] m, double[] v, int step, double lr, double wd, double b1, double b2) {
        double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < w.length; i++) {
            w[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            w[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "multipliers {0}, bucket {1}")
    @org.junit.jupiter.params.provider.CsvSource({"true, 16777216", "true, 5", "false, 16777216", "false, 13"})
    void adamwMatchesTorchWithDecayMultipliersAndClipping(boolean multipliers, long bucket) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            Linear l = new Linear(4, 3).init(m, org.diffuda.util.Generator.of(2, "init"));
            var params = ParamNames.trainable(l);
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            double lr = 3e-3, wd = 0.05, clip = 0.5;
            Optimizer opt = Optimizer.adamw(params, 0.9, 0.999, wd).clipGradNorm(clip).bucketElements(bucket);
            if (multipliers) {
                opt.lrMultiplier(k -> k.equals("bias"), 10).noDecay(k -> k.equals("bias"));
            }
            java.util.Map<String, double[]> w = new java.util.LinkedHashMap<>(), mo = new java.util.HashMap<>(), ve = new java.util.HashMap<>();
            params.forEach((k, p) -> {
                float[] f = p.getArray().toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                w.put(k, d);
                mo.put(k, new double[f.length]);
                ve.put(k, new double[f.length]);
            });
            for (int step = 1; step <= 5; step++) {
                java.util.Map<String, double[]> g = new java.util.HashMap<>();
                try (NDManager sub = m.newSubManager()) {
                    var x = org.diffuda.util.Generator.of(2, "x", step).randn(sub, new Shape(8, 4));
                    try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                        gc.backward(l.forward(x, false).square().sum());
                    }
                    double sq = 0;
                    for (var e : params.entrySet()) {
                        float[] f = e.getValue().getArray().getGradient().toFloatArray();
                        double[] d = new double[f.length];
                        for (int i = 0; i < f.length; i++) {
                            d[i] = f[i];
                            sq += d[i] * d[i];
                        }
                        g.put(e.getKey(), d);
                    }
                    double norm = Math.sqrt(sq), scale = norm > clip ? clip / (norm + 1e-6) : 1;
                    assertTrue(scale < 1, "the test exercises clipping");
                    for (String k : w.keySet()) {
                        double[] gk = g.get(k);
                        for (int i = 0; i < gk.length; i++) {
                            gk[i] *= scale;
                        }
                        boolean bias = multipliers && k.equals("bias");
                        torchAdamW(w.get(k), gk, mo.get(k), ve.get(k), step, bias ? 10 * lr : lr, bias ? 0 : wd, 0.9, 0.999);
                    }
                    assertTrue(opt.step(lr));
                }
                for (var e : params.entrySet()) {
                    float[] got = e.getValue().getArray().toFloatArray();
                    double[] want = w.get(e.getKey());
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), e.getKey() + "[" + i + "] at step " + step);
                    }
                    float gradAfter = e.getValue().getArray().getGradient().abs().sum().getFloat();
                    assertEquals(0f, gradAfter, "the step zeroes the gradient");
                }
            }
        }
    }

    /** k steps, then a checkpoint of weights and state through a file read lazily, then more steps: restored = uninterrupted. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}, bucket {1}")
    @org.junit.jupiter.params.provider.CsvSource({"adamw, 16777216", "adamw, 5", "sgd, 16777216"})
    void aRestoredOptimizerContinuesExactlyAsTheUninterruptedOne(String kind, long bucket, @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager m = Engines.engine().newBaseManager()) {
                Linear l = new Linear(4, 3).init(m, org.diffuda.util.Generator.of(2, "init"));
                var params = ParamNames.trainable(l);
                params.values().forEach(p -> p.getArray().setRequiresGradient(true));
                java.util.function.Supplier<Optimizer> make = () -> (kind.equals("sgd") ? Optimizer.sgd(params, 0.9, 1e-4)
                        : Optimizer.adamw(params, 0.9, 0.999, 0.05).clipGradNorm(0.5).bucketElements(bucket))
                        .lrMultiplier(k -> k.equals("bias"), 10).noDecay(k -> k.equals("bias"));
                Optimizer opt = make.get();
                for (int step = 1; step <= 6; step++) {
                    if (run == 1 && step == 4) { // restore into a fresh optimiser, as a resumed run does
                        java.nio.file.Path f = tmp.resolve("opt-" + kind + bucket + ".safetensors");
                        org.diffuda.nn.Safetensors.write(f, opt.state(), java.util.Map.of());
                        opt = make.get();
                        opt.loadState(org.diffuda.nn.Safetensors.read(f, true).tensors());
                        assertEquals(3, opt.steps());
                    }
                    try (NDManager sub = m.newSubManager()) {
                        var x = org.diffuda.util.Generator.of(2, "x", step).randn(sub, new Shape(8, 4));
                        try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                            gc.backward(l.forward(x, false).square().sum());
                        }
                        assertTrue(opt.step(3e-3));
                    }
                }
                float[] w = params.get("weight").getArray().toFloatArray(), b = params.get("bias").getArray().toFloatArray();
                finals[run] = new float[w.length + b.length];
                System.arraycopy(w, 0, finals[run], 0, w.length);
                System.arraycopy(b, 0, finals[run], w.length, b.length);
            }
        }
        assertArrayEquals(finals[0], finals[1], 0f);
    }
}
