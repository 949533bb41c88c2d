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

    public static Map<String, Safetensors.Tensor> of(Block model) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        ParamNames.of(model).forEach((k, p) -> out.put(k, tensor(p.getArray())));
        return out;
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

    /**
     * Copies tensors into the model's parameters in place. Missing, unexpected or mis-shaped keys
     * are one error that lists them all.
     */
    public static void load(Block model, Map<String, Safetensors.Tensor> tensors, String source) {
        Map<String, Parameter> params = ParamNames.of(model);
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
            if (!params.containsKey(k)) {
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
