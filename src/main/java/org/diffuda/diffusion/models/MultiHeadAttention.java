package org.diffuda.diffusion.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;

/** Scaled dot-product attention over (N, L, heads·d) projections: matMul → softmax → matMul. */
final class MultiHeadAttention {
    private MultiHeadAttention() {}

    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads) {
        return attend(q, k, v, heads, null);
    }

    /** With an additive mask broadcastable to (N, heads, Lq, Lk), e.g. CLIP's causal mask. */
    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray mask) {
        long n = q.getShape().get(0), lq = q.getShape().get(1), lk = k.getShape().get(1), dim = q.getShape().get(2);
        long d = dim / heads;
        NDArray qh = q.reshape(n, lq, heads, d).transpose(0, 2, 1, 3);
        NDArray kh = k.reshape(n, lk, heads, d).transpose(0, 2, 3, 1);
        NDArray vh = v.reshape(n, lk, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = Tensors.mul(qh.matMul(kh), (float) (1 / Math.sqrt(d)));
        NDArray att = (mask == null ? scores : scores.add(mask)).softmax(-1);
        return att.matMul(vh).transpose(0, 2, 1, 3).reshape(n, lq, dim);
    }
}
