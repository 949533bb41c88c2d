package org.diffuda.diffusion.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

/** Attention a slice of queries at a time is the same function as all at once. */
class AttentionSlicingTest {
    @Test
    void slicedAttentionMatchesTheWholeScoreMatrix() {
        Engines.seed(4);
        try (NDManager m = Engines.engine().newBaseManager()) {
            long n = 2, lq = 300, lk = 40, dim = 16;
            int heads = 2;
            NDArray q = m.randomNormal(new Shape(n, lq, dim)), k = m.randomNormal(new Shape(n, lk, dim)), v = m.randomNormal(new Shape(n, lk, dim));
            float[] whole = MultiHeadAttention.attend(q, k, v, heads, null, Long.MAX_VALUE).toFloatArray();
            // 64 query rows per slice: five slices, the last one short
            NDArray sliced = MultiHeadAttention.attend(q, k, v, heads, null, n * heads * lk * 64);
            assertEquals(new Shape(n, lq, dim), sliced.getShape());
            assertArrayEquals(whole, sliced.toFloatArray(), 1e-6f);
            // one row at a time
            assertArrayEquals(whole, MultiHeadAttention.attend(q, k, v, heads, null, 1).toFloatArray(), 1e-6f);
            // short sequences (every embedded one) never slice: bit for bit the whole computation
            assertArrayEquals(whole, MultiHeadAttention.attend(q, k, v, heads).toFloatArray(), 0f);
        }
    }
}
