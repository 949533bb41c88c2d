package org.diffuda.diffusion.models;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.Init;
import org.diffuda.nn.Module;
import org.diffuda.nn.ModuleList;
import org.diffuda.nn.Ops;
import org.diffuda.nn.ParamNames;
import ai.djl.nn.Parameter;

/**
 * diffusers' ControlNetModel: a trainable copy of the U-Net's encoder and mid block whose input
 * is x_t plus an embedding of the condition image (controlnet_cond_embedding: convs with SiLU,
 * three stride-2 steps, zero-initialised conv_out), and zero-initialised 1×1 convolutions
 * (controlnet_down_blocks, controlnet_mid_block) whose outputs are the residuals the U-Net adds.
 */
public final class ControlNetModel extends Module {
    private final UNet2DConditionConfig config;
    private final Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final CondEmbedding condEmbedding;
    private final List<UNetBlocks.Down> downs = new ArrayList<>();
    private final UNetBlocks.Mid mid;
    private final ModuleList zeroDown = new ModuleList();
    private final Conv2d zeroMid;

    public ControlNetModel(UNet2DConditionConfig c) {
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int groups = c.normNumGroups(), temb = ch.get(0) * 4;
        float eps = (float) c.normEps();
        convIn = child("conv_in", Conv2d.same(c.inChannels(), ch.get(0), 3));
        timeEmbedding = child("time_embedding", new TimestepEmbedding(ch.get(0), temb));
        condEmbedding = child("controlnet_cond_embedding", new CondEmbedding(
                c.conditioningChannels() == null ? 3 : c.conditioningChannels(),
                c.conditioningEmbeddingOutChannels() == null ? List.of(16, 32, 96, 256) : c.conditioningEmbeddingOutChannels(),
                ch.get(0)));
        downs.addAll(UNetBlocks.downs(ch, c.downBlockTypes(), c::attention, temb, c.layersPerBlock(), groups, eps, 0f));
        child("down_blocks", UNetBlocks.list(downs));
        // one zero conv per skip tensor: conv_in's, each resnet's, each downsampler's
        zeroDown.add(zeroConv(ch.get(0)));
        for (int i = 0; i < ch.size(); i++) {
            for (int j = 0; j < c.layersPerBlock() + (i == ch.size() - 1 ? 0 : 1); j++) {
                zeroDown.add(zeroConv(ch.get(i)));
            }
        }
        child("controlnet_down_blocks", zeroDown);
        mid = child("mid_block", new UNetBlocks.Mid(ch.get(ch.size() - 1), temb,
                UNetBlocks.AttentionSpec.cross(c.attentionHeadDim(), c.crossAttentionDim(), 1), groups, eps, 0f));
        zeroMid = child("controlnet_mid_block", zeroConv(ch.get(ch.size() - 1)));
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    static Conv2d zeroConv(int ch) {
        return new ZeroConv(ch).conv;
    }

    /** Copies every U-Net weight that the ControlNet shares (conv_in, time embedding, encoder, mid). */
    public ControlNetModel copyFrom(UNet2DConditionModel unet) {
        Map<String, Parameter> src = ParamNames.of(unet);
        ParamNames.of(this).forEach((k, p) -> {
            Parameter s = src.get(k);
            if (s != null) {
                Tensors.copyInto(p.getArray(), s.getArray());
            }
        });
        return this;
    }

    /** Residuals for the U-Net's skips and mid block, scaled by conditioningScale. */
    public Conditioning residuals(NDArray x, float[] t, NDArray context, NDArray condImage, float scale, boolean training) {
        NDArray emb = timeEmbedding.apply(TimestepEmbedding.sinusoidal(x.getManager(), t, config.blockOutChannels().get(0),
                config.flipSinToCos(), config.freqShift()), training);
        // the conditioning image outlives the sampling step: its embedding's arrays must not go to its manager
        NDArray cond = Tensors.freeing(() -> condEmbedding.apply(condImage, training), x, condImage);
        NDArray h = convIn.forward(x, training).add(cond);
        List<NDArray> skips = new ArrayList<>();
        skips.add(h);
        for (UNetBlocks.Down d : downs) {
            h = d.apply(h, emb, context, skips, training);
        }
        h = mid.apply(h, emb, context, training);
        List<NDArray> res = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            res.add(Tensors.mul(zeroDown.get(i).forward(new NDList(skips.get(i)), training).head(), scale));
        }
        return new Conditioning(context, res, Tensors.mul(zeroMid.forward(h, training), scale));
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        throw new UnsupportedOperationException("use residuals(...)");
    }

    /** A 1×1 convolution whose weights start at zero: the ControlNet starts as a no-op. */
    static final class ZeroConv {
        final Conv2d conv;

        ZeroConv(int ch) {
            conv = new Conv2d(ch, ch, 1, 1, 0);
            conv.getParameters().forEach(p -> p.getValue().setInitializer(Init.ZEROS));
        }
    }

    static final class CondEmbedding extends Module {
        private final Conv2d convIn;
        private final ModuleList blocks = new ModuleList();
        private final Conv2d convOut;

        CondEmbedding(int in, List<Integer> ch, int out) {
            convIn = child("conv_in", Conv2d.same(in, ch.get(0), 3));
            for (int i = 0; i < ch.size() - 1; i++) {
                blocks.add(Conv2d.same(ch.get(i), ch.get(i), 3));
                blocks.add(new Conv2d(ch.get(i), ch.get(i + 1), 3, 2, 1));
            }
            child("blocks", blocks);
            convOut = child("conv_out", Conv2d.same(ch.get(ch.size() - 1), out, 3));
            convOut.getParameters().forEach(p -> p.getValue().setInitializer(Init.ZEROS));
        }

        NDArray apply(NDArray c, boolean training) {
            NDArray h = Ops.silu(convIn.forward(c, training));
            for (Module b : blocks.items()) {
                h = Ops.silu(b.forward(h, training));
            }
            return convOut.forward(h, training);
        }

        @Override
        public NDList forward(NDList inputs, boolean training) {
            return new NDList(apply(inputs.head(), training));
        }
    }
}
