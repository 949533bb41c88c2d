package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.util.DiffudaException;

/** A model's parameters as named tensors (torch's state_dict), to and from safetensors. */
public final class StateDict {
    private StateDict() {}

    /** A snapshot: every parameter's bytes copied now. */
    public static Map<String, Safetensors.Tensor> of(Block model) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        ParamNames.of(model).forEach((k, p) -> out.put(k, tensor(p.getArray())));
        return out;
    }

    /**
     * For a writer that consumes it at once: each parameter's bytes are copied when the writer asks
     * for them, so saving holds one tensor in the Java heap, not the model (SD's U-Net: 3.4 GB).
     * The same bytes as {@link #of}, provided the model does not change before the write.
     */
    public static Map<String, Safetensors.Tensor> deferred(Block model) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        ParamNames.of(model).forEach((k, p) -> out.put(k, deferred(p.getArray())));
        return out;
    }

    /** {@link #tensor}, made when its bytes are asked for. */
    public static Safetensors.Tensor deferred(NDArray a) {
        return Safetensors.Tensor.deferred(a.getDataType() == DataType.INT64 ? "I64" : "F32", a.getShape().getShape(), () -> tensor(a).data());
    }

    public static Safetensors.Tensor tensor(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType() == DataType.INT64) {
            long[] v = a.toLongArray();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(v);
            return new Safetensors.Tensor("I64", shape, b.array());
        }
        return Safetensors.Tensor.f32(a.toType(DataType.FLOAT32, false).toFloatArray(), shape);
    }

    /** diffusers before 0.14 named the attention of VAE and UNet2DModel blocks query/key/value/proj_attn. */
    private static final String[][] LEGACY = {
        {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};

    /**
     * Renames pre-0.14 attention keys as diffusers does on load: only a key the model lacks, and
     * only into a key the model has and the file does not.
     */
    static Map<String, Safetensors.Tensor> renameLegacy(Map<String, Safetensors.Tensor> tensors, java.util.Set<String> wanted) {
        Map<String, Safetensors.Tensor> out = null;
        for (Map.Entry<String, Safetensors.Tensor> e : tensors.entrySet()) {
            String k = e.getKey();
            if (wanted.contains(k)) {
                continue;
            }
            for (String[] r : LEGACY) {
                String renamed = k.replace(r[0], r[1]);
                if (!renamed.equals(k) && wanted.contains(renamed) && !tensors.containsKey(renamed)) {
                    if (out == null) {
                        out = new java.util.LinkedHashMap<>(tensors);
                    }
                    out.remove(k);
                    out.put(renamed, e.getValue());
                    break;
                }
            }
        }
        return out == null ? tensors : out;
    }

    /**
     * Copies tensors into the model's parameters in place. Missing, unexpected or mis-shaped keys
     * are one error that lists them all.
     */
    public static void load(Block model, Map<String, Safetensors.Tensor> tensors, String source) {
        Map<String, Parameter> params = ParamNames.of(model);
        tensors = renameLegacy(tensors, params.keySet());
        List<String> missing = new ArrayList<>(), shape = new ArrayList<>(), unexpected = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Safetensors.Tensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue().getArray().getShape().getShape())) {
                shape.add(e.getKey() + " " + Arrays.toString(t.shape()) + " vs model " + e.getValue().getArray().getShape());
            }
        }
        for (String k : tensors.keySet()) {
            if (!params.containsKey(k) && !(model instanceof Module m && m.ignoredOnLoad(k))) {
                unexpected.add(k);
            }
        }
        if (!missing.isEmpty() || !shape.isEmpty() || !unexpected.isEmpty()) {
            StringBuilder sb = new StringBuilder(source).append(": weights do not match the model:");
            if (!missing.isEmpty()) {
                sb.append(" missing ").append(abbreviate(missing)).append(';');
            }
            if (!unexpected.isEmpty()) {
                sb.append(" unexpected ").append(abbreviate(unexpected)).append(';');
            }
            if (!shape.isEmpty()) {
                sb.append(" mis-shaped ").append(abbreviate(shape)).append(';');
            }
            throw new DiffudaException(sb.toString());
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray dst = e.getValue().getArray();
            Safetensors.Tensor t = tensors.get(e.getKey());
            NDArray src = dst.getDataType() == DataType.INT64
                    ? Tensors.create(dst.getManager(), longs(t.data()), dst.getShape())
                    : Tensors.create(dst.getManager(), t.toFloats(), dst.getShape());
            Tensors.copyInto(dst, src);
            src.close();
        }
    }

    private static long[] longs(byte[] data) {
        long[] out = new long[data.length / 8];
        java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    static String abbreviate(List<String> keys) {
        return keys.size() <= 8 ? keys.toString() : keys.subList(0, 8) + " and " + (keys.size() - 8) + " more";
    }
}
