package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import org.diffuda.nn.Tensors;

/**
 * Scaled dot-product attention over (N, L, heads·d) projections: matMul → softmax → matMul.
 * Outside autograd, a long query sequence (Stable Diffusion's 64×64 latents and up: 4,096 tokens
 * and more, never the embedded world's) whose score matrix would exceed {@link #SCORES_PER_SLICE}
 * values is attended a slice of queries at a time, each slice's scores freed before the next
 * (diffusers' attention slicing, which its memory-efficient kernels make unnecessary there): the
 * same function, without N·heads·L² floats at once — 4.3 GB per layer at 512×1024 with guidance.
 */
final class MultiHeadAttention {
    /** Query length from which slicing is considered. */
    static final long SLICE_FROM_TOKENS = 4096;
    /** Score values per slice: 256 MB of floats. */
    static final long SCORES_PER_SLICE = 1L << 26;

    private MultiHeadAttention() {}

    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads) {
        return attend(q, k, v, heads, null);
    }

    /** With an additive mask broadcastable to (N, heads, Lq, Lk), e.g. CLIP's causal mask. */
    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray mask) {
        long lq = q.getShape().get(1);
        boolean slice = mask == null && lq >= SLICE_FROM_TOKENS && !ai.djl.pytorch.jni.JniUtils.isGradMode();
        return attend(q, k, v, heads, mask, slice ? SCORES_PER_SLICE : Long.MAX_VALUE);
    }

    /** {@code scoresPerSlice}: at most this many score values at once (Long.MAX_VALUE: all). */
    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray mask, long scoresPerSlice) {
        long n = q.getShape().get(0), lq = q.getShape().get(1), lk = k.getShape().get(1), dim = q.getShape().get(2);
        long d = dim / heads;
        NDArray qh = q.reshape(n, lq, heads, d).transpose(0, 2, 1, 3);
        NDArray kh = k.reshape(n, lk, heads, d).transpose(0, 2, 3, 1);
        NDArray vh = v.reshape(n, lk, heads, d).transpose(0, 2, 1, 3);
        float scale = (float) (1 / Math.sqrt(d));
        long rows = Math.max(1, scoresPerSlice / Math.max(1, n * heads * lk));
        if (rows >= lq) {
            NDArray scores = Tensors.mul(qh.matMul(kh), scale);
            NDArray att = (mask == null ? scores : scores.add(mask)).softmax(-1);
            return att.matMul(vh).transpose(0, 2, 1, 3).reshape(n, lq, dim);
        }
        NDArray all = Tensors.inSlices(qh, 2, rows, qs -> Tensors.mul(qs.matMul(kh), scale).softmax(-1).matMul(vh));
        return all.transpose(0, 2, 1, 3).reshape(n, lq, dim);
    }
}
