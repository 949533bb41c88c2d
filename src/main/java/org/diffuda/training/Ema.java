package org.diffuda.training;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.nn.ParamNames;
import org.diffuda.nn.Safetensors;
import org.diffuda.nn.StateDict;

/**
 * Exponential moving average of a model's parameters (diffusers' EMAModel with a fixed decay
 * and warm-up: decay_t = min(decay, (1 + t) / (10 + t))). Sampling uses the EMA weights.
 */
public final class Ema {
    private final Map<String, NDArray> shadow = new LinkedHashMap<>();
    private final double decay;
    private long steps;

    public Ema(Block model, double decay) {
        this.decay = decay;
        ParamNames.of(model).forEach((k, p) -> shadow.put(k, p.getArray().duplicate()));
    }

    public void update(Block model) {
        steps++;
        double d = Math.min(decay, (1.0 + steps) / (10.0 + steps));
        Map<String, Parameter> params = ParamNames.of(model);
        for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
            // each difference freed at once: a model-sized copy otherwise (3.4 GB for SD's U-Net)
            try (NDArray delta = params.get(e.getKey()).getArray().sub(e.getValue())) {
                e.getValue().addi(Tensors.muli(delta, (float) (1 - d)));
            }
        }
    }

    /** Copies the EMA weights into {@code model} (for sampling or saving). */
    public void copyTo(Block model) {
        Map<String, Parameter> params = ParamNames.of(model);
        shadow.forEach((k, v) -> Tensors.copyInto(params.get(k).getArray(), v));
    }

    /** The shadow weights as named tensors for a checkpoint, copied as they are written (write before the next update). */
    public Map<String, Safetensors.Tensor> state() {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        shadow.forEach((k, v) -> out.put(k, StateDict.deferred(v)));
        out.put("__steps__", Safetensors.Tensor.f32(new float[] {steps}, 1));
        return out;
    }

    public void load(Map<String, Safetensors.Tensor> state) {
        state.forEach((k, t) -> {
            if (k.equals("__steps__")) {
                steps = (long) t.toFloats()[0];
            } else if (shadow.containsKey(k)) {
                NDArray v = shadow.get(k);
                try (NDArray src = Tensors.create(v.getManager(), t.toFloats(), v.getShape())) {
                    Tensors.copyInto(v, src);
                }
            }
        });
    }
}
