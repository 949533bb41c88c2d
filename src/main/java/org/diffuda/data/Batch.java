package org.diffuda.data;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/** Equal-sized samples stacked as (N, 3, H, W) images and (N, H, W) labels. */
public record Batch(List<Sample> samples, int height, int width) {
    public static Batch of(List<Sample> samples) {
        Sample f = samples.get(0);
        for (Sample s : samples) {
            if (s.height() != f.height() || s.width() != f.width()) {
                throw new IllegalArgumentException("batch mixes sizes " + f.height() + "x" + f.width()
                        + " and " + s.height() + "x" + s.width() + " (" + s.id() + "); crop or resize first");
            }
        }
        return new Batch(List.copyOf(samples), f.height(), f.width());
    }

    public int size() {
        return samples.size();
    }

    public NDArray images(NDManager m) {
        int per = 3 * height * width;
        float[] all = new float[size() * per];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(samples.get(i).image(), 0, all, i * per, per);
        }
        return Tensors.create(m, all, new Shape(size(), 3, height, width));
    }

    /** Labels as int64 (N, H, W); 255 stays 255. */
    public NDArray labels(NDManager m) {
        int per = height * width;
        int[] all = new int[size() * per];
        for (int i = 0; i < size(); i++) {
            int[] l = samples.get(i).label();
            if (l == null) {
                throw new IllegalStateException(samples.get(i).id() + " has no label");
            }
            System.arraycopy(l, 0, all, i * per, per);
        }
        return Tensors.create(m, all, new Shape(size(), height, width), DataType.INT64);
    }
}
