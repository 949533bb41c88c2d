package org.diffuda.diffusion.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import org.diffuda.nn.LayerNorm;
import org.diffuda.nn.Linear;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;

/**
 * transformers' CLIPTextModel with its parameter names (text_model.embeddings.token_embedding,
 * text_model.encoder.layers.N.self_attn.q_proj, ..., text_model.final_layer_norm): token +
 * position embeddings, pre-LayerNorm transformer layers with causal self-attention and
 * quick_gelu MLPs. Output: last_hidden_state (N, L, hidden), what SD cross-attends to.
 */
public final class CLIPTextModel extends Module {
    private final CLIPTextConfig config;
    private final TextModel textModel;

    public CLIPTextModel(CLIPTextConfig c) {
        this.config = c;
        textModel = child("text_model", new TextModel(c));
    }

    public CLIPTextConfig config() {
        return config;
    }

    public Parameter tokenEmbedding() {
        return textModel.embeddings.token;
    }

    /** Token ids (N, L) as int64 → hidden states (N, L, hidden). */
    public NDArray encode(NDArray ids, boolean training) {
        return textModel.apply(ids, training);
    }

    public NDArray encode(NDManager m, int[][] ids, boolean training) {
        int n = ids.length, l = ids[0].length;
        long[] flat = new long[n * l];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < l; j++) {
                flat[i * l + j] = ids[i][j];
            }
        }
        return encode(Tensors.create(m, flat, new Shape(n, l)), training);
    }

    /**
     * transformers' pooler_output: the final state at each sequence's end-of-text token — the first
     * position holding eos_token_id (the argmax of the ids for configs whose eos_token_id is the
     * legacy 2, as transformers does). {@code hidden} (N, L, D), {@code ids} (N, L) int64 → (N, D).
     */
    public NDArray pooled(NDArray hidden, NDArray ids) {
        NDArray eos = config.eosTokenId() == 2
                ? ids.argMax(1)
                : ids.eq(Tensors.scalar(ids, config.eosTokenId())).toType(ai.djl.ndarray.types.DataType.INT32, false).argMax(1);
        long n = hidden.getShape().get(0), d = hidden.getShape().get(2);
        NDArray index = eos.toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(n, 1, 1).broadcast(n, 1, d);
        return hidden.gather(index, 1).reshape(n, d);
    }

    /** last_hidden_state and pooler_output, as transformers' CLIPTextModel returns them. */
    public NDList encodeWithPooled(NDArray ids, boolean training) {
        NDArray h = encode(ids, training);
        return new NDList(h, pooled(h, ids));
    }

    /** transformers' CLIP checkpoints (SD-1.x text_encoder) carry the position-id buffer; it is arange(77). */
    @Override
    public boolean ignoredOnLoad(String key) {
        return key.equals("text_model.embeddings.position_ids");
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        return new NDList(encode(inputs.head(), training));
    }

    static final class TextModel extends Module {
        final Embeddings embeddings;
        private final ModuleList layers = new ModuleList();
        private final LayerNorm finalNorm;
        private final int heads;

        TextModel(CLIPTextConfig c) {
            embeddings = child("embeddings", new Embeddings(c));
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                layers.add(new Layer(c));
            }
            child("encoder", new Encoder(layers));
            finalNorm = child("final_layer_norm", new LayerNorm(c.hiddenSize(), (float) c.layerNormEps()));
            heads = c.numAttentionHeads();
        }

        NDArray apply(NDArray ids, boolean training) {
            long l = ids.getShape().get(1);
            NDArray x = embeddings.apply(ids);
            float[] mask = new float[(int) (l * l)];
            for (int i = 0; i < l; i++) {
                for (int j = i + 1; j < l; j++) {
                    mask[(int) (i * l + j)] = -1e9f;
                }
            }
            NDArray causal = Tensors.create(ids.getManager(), mask, new Shape(1, 1, l, l));
            for (Module layer : layers.items()) {
                x = ((Layer) layer).apply(x, causal, heads, training);
            }
            return finalNorm.forward(x, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }

    static final class Encoder extends Module {
        Encoder(ModuleList layers) {
            child("layers", layers);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through TextModel");
        }
    }

    static final class Embeddings extends Module {
        final Parameter token;
        final Parameter position;

        Embeddings(CLIPTextConfig c) {
            Holder t = child("token_embedding", new Holder(c.vocabSize(), c.hiddenSize()));
            Holder p = child("position_embedding", new Holder(c.maxPositionEmbeddings(), c.hiddenSize()));
            token = t.weight;
            position = p.weight;
        }

        NDArray apply(NDArray ids) {
            long l = ids.getShape().get(1);
            NDArray tok = ids.getNDArrayInternal().embedding(ids, token.getArray(), SparseFormat.DENSE).singletonOrThrow();
            NDArray pos = ids.getManager().arange(0, (int) l, 1, DataType.INT64).expandDims(0);
            NDArray pe = pos.getNDArrayInternal().embedding(pos, position.getArray(), SparseFormat.DENSE).singletonOrThrow();
            return tok.add(pe);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head()));
        }
    }

    /** nn.Embedding: one weight (num, dim), N(0, 0.02) at init as CLIP does. */
    static final class Holder extends Module {
        final Parameter weight;

        Holder(int num, int dim) {
            weight = param("weight", new Shape(num, dim), (m, s, dt) -> m.randomNormal(0f, 0.02f, s, dt));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("a lookup table");
        }
    }

    static final class Layer extends Module {
        private final LayerNorm norm1;
        private final SelfAttention attn;
        private final LayerNorm norm2;
        private final Linear fc1;
        private final Linear fc2;

        Layer(CLIPTextConfig c) {
            float eps = (float) c.layerNormEps();
            attn = child("self_attn", new SelfAttention(c.hiddenSize()));
            norm1 = child("layer_norm1", new LayerNorm(c.hiddenSize(), eps));
            Mlp mlp = child("mlp", new Mlp(c.hiddenSize(), c.intermediateSize()));
            fc1 = mlp.fc1;
            fc2 = mlp.fc2;
            norm2 = child("layer_norm2", new LayerNorm(c.hiddenSize(), eps));
        }

        NDArray apply(NDArray x, NDArray mask, int heads, boolean training) {
            x = x.add(attn.apply(norm1.forward(x, training), mask, heads, training));
            NDArray h = fc1.forward(norm2.forward(x, training), training);
            h = h.mul(Tensors.mul(h, 1.702f).getNDArrayInternal().sigmoid()); // quick_gelu
            return x.add(fc2.forward(h, training));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through TextModel");
        }
    }

    static final class Mlp extends Module {
        final Linear fc1;
        final Linear fc2;

        Mlp(int hidden, int inter) {
            fc1 = child("fc1", new Linear(hidden, inter));
            fc2 = child("fc2", new Linear(inter, hidden));
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through Layer");
        }
    }

    static final class SelfAttention extends Module {
        private final Linear q;
        private final Linear k;
        private final Linear v;
        private final Linear out;

        SelfAttention(int dim) {
            k = child("k_proj", new Linear(dim, dim));
            v = child("v_proj", new Linear(dim, dim));
            q = child("q_proj", new Linear(dim, dim));
            out = child("out_proj", new Linear(dim, dim));
        }

        NDArray apply(NDArray x, NDArray mask, int heads, boolean training) {
            return out.forward(MultiHeadAttention.attend(q.forward(x, training), k.forward(x, training), v.forward(x, training),
                    heads, mask), training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            throw new UnsupportedOperationException("called through Layer");
        }
    }

}
