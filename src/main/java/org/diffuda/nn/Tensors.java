package org.diffuda.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The ways Java numbers and arrays enter libtorch in diffuda. Use these, never DJL's
 * {@code NDManager.create(float[])}, {@code NDArray.mul(Number)} and friends, or
 * {@code NDArray.set(Buffer)} ({@code TensorsGuardTest} scans the compiled classes for them).
 *
 * <p>Why: DJL's PyTorch engine builds a tensor from Java data with {@code torch::from_blob} over
 * a JVM direct buffer that only the Java {@code NDArray} object keeps alive. Every torch tensor
 * that shares that storage — a view, a tensor saved by autograd for the backward pass, a
 * parameter after {@code set(Buffer)} through another handle — reads freed memory once that
 * object is closed and a garbage collection has run. {@code x.mul(3f)} is such a case: DJL wraps
 * 3 in a Java-backed 0-d tensor, closes it right after the forward op, and autograd's saved copy
 * of it is what the backward pass multiplies by. When a GC fell between forward and backward the
 * gradient was garbage (1e-19 instead of 3): the run-to-run differences that made bit-exact tests
 * fail in about one full-suite run in three. Here every such tensor lives in memory libtorch
 * allocated and owns.
 */
public final class Tensors {
    private Tensors() {}

    /**
     * {@code fn} over slices of {@code x} of at most {@code size} along {@code axis}, each slice
     * through {@link #freeing} (its intermediates freed before the next slice), the results joined
     * along the same axis in {@code x}'s manager: how a large batch or sequence goes through an
     * operation without all of its intermediates at once.
     */
    public static NDArray inSlices(NDArray x, int axis, long size, java.util.function.Function<NDArray, NDArray> fn) {
        return inSlices(x, axis, size, (start, part) -> fn.apply(part));
    }

    /** As above; {@code fn} is also told where its slice starts (to take the matching slice of another array). */
    public static NDArray inSlices(NDArray x, int axis, long size, java.util.function.BiFunction<Long, NDArray, NDArray> fn) {
        long n = x.getShape().get(axis);
        ai.djl.ndarray.NDList outs = new ai.djl.ndarray.NDList();
        String before = ":, ".repeat(axis);
        for (long i = 0; i < n; i += size) {
            NDArray part = x.get(before + i + ":" + Math.min(n, i + size));
            long start = i;
            NDArray y = freeing(() -> fn.apply(start, part), part);
            if (y != part) {
                part.close();
            }
            outs.add(y);
        }
        if (outs.size() == 1) {
            return outs.get(0);
        }
        NDArray all = ai.djl.ndarray.NDArrays.concat(outs, axis);
        outs.forEach(NDArray::close);
        return all;
    }

    /**
     * {@code fn}'s result, with every array {@code fn} made on the way freed as soon as it returns:
     * the inputs are lent to a memory scope of their own for the call and go back where they were,
     * the result is given to the first input's manager. DJL frees an array only when its manager
     * closes, so without this a forward pass holds every intermediate of every layer until the end
     * of the step, where PyTorch frees each as its last reference goes; a layer of a large model
     * wraps its forward in this. Under autograd as well: libtorch's graph keeps its own references
     * to what the backward pass needs (as in PyTorch, where a layer's local tensors go out of scope
     * before {@code backward()}), so only what nothing will read again is freed.
     */
    public static NDArray freeing(java.util.function.Supplier<NDArray> fn, NDArray... inputs) {
        NDManager parent = inputs[0].getManager();
        try (NDManager sub = parent.newSubManager()) {
            for (NDArray x : inputs) {
                if (x != null) {
                    x.tempAttach(sub);
                }
            }
            NDArray y = fn.get();
            for (NDArray x : inputs) {
                if (y == x) {
                    return y; // an input handed back goes home with the others
                }
            }
            y.attach(parent);
            return y;
        }
    }

    /** A 0-d tensor of {@code like}'s type and device, in libtorch-owned memory. */
    public static NDArray scalar(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, like.getDataType());
    }

    public static NDArray mul(NDArray x, double v) {
        try (NDArray s = scalar(x, v)) {
            return x.mul(s);
        }
    }

    public static NDArray div(NDArray x, double v) {
        try (NDArray s = scalar(x, v)) {
            return x.div(s);
        }
    }

    /** In place (outside a gradient tape). */
    public static NDArray muli(NDArray x, double v) {
        try (NDArray s = scalar(x, v)) {
            return x.muli(s);
        }
    }

    /** In place (outside a gradient tape). */
    public static NDArray addi(NDArray x, double v) {
        try (NDArray s = scalar(x, v)) {
            return x.addi(s);
        }
    }

    public static NDArray maximum(NDArray x, double v) {
        try (NDArray s = scalar(x, v)) {
            return x.maximum(s);
        }
    }

    /** {@code a·x + b}, the usual [0, 1] ↔ [−1, 1] maps. */
    public static NDArray affine(NDArray x, double a, double b) {
        return mul(x, a).add((float) b);
    }

    /** A float32 array holding a copy of {@code data}, in libtorch-owned memory. */
    public static NDArray create(NDManager m, float[] data, Shape shape) {
        try (NDArray javaBacked = m.create(data, shape)) {
            return javaBacked.duplicate();
        }
    }

    public static NDArray create(NDManager m, float[] data) {
        return create(m, data, new Shape(data.length));
    }

    /** An int64 array holding a copy of {@code data}, in libtorch-owned memory. */
    public static NDArray create(NDManager m, long[] data, Shape shape) {
        try (NDArray javaBacked = m.create(data, shape)) {
            return javaBacked.duplicate();
        }
    }

    public static NDArray create(NDManager m, long[] data) {
        return create(m, data, new Shape(data.length));
    }

    /** An int32 array holding a copy of {@code data}, in libtorch-owned memory. */
    public static NDArray create(NDManager m, int[] data, Shape shape) {
        try (NDArray javaBacked = m.create(data, shape)) {
            return javaBacked.duplicate();
        }
    }

    /** {@code data} converted to {@code type} in one copy, in libtorch-owned memory (labels: int → int64). */
    public static NDArray create(NDManager m, int[] data, Shape shape, ai.djl.ndarray.types.DataType type) {
        try (NDArray javaBacked = m.create(data, shape)) {
            return javaBacked.toType(type, true);
        }
    }

    /** A boolean array holding a copy of {@code data}, in libtorch-owned memory. */
    public static NDArray create(NDManager m, boolean[] data, Shape shape) {
        try (NDArray javaBacked = m.create(data, shape)) {
            return javaBacked.duplicate();
        }
    }

    /**
     * Copies {@code src}'s values into {@code dst}'s own storage (converting the type), leaving
     * every other handle of {@code dst} — a parameter, its gradient — pointing at valid memory.
     */
    public static void copyInto(NDArray dst, NDArray src) {
        if (!dst.getShape().equals(src.getShape())) {
            throw new IllegalArgumentException("copyInto: shape " + src.getShape() + " into " + dst.getShape());
        }
        if (src.getDataType() == dst.getDataType()) {
            dst.set(new NDIndex("..."), src);
            return;
        }
        try (NDArray cast = src.toType(dst.getDataType(), true)) {
            dst.set(new NDIndex("..."), cast);
        }
    }

    /** Fills {@code dst} with zeros in place. */
    public static void zero(NDArray dst) {
        dst.set(new NDIndex("..."), 0f);
    }
}
