package org.diffuda.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.nn.Conv2d;
import org.diffuda.nn.GroupNorm;
import org.diffuda.nn.Module;
import org.diffuda.nn.Ops;

/**
 * diffusers' UNet2DConditionModel, the SD-1.x topology, built from its config alone: cross-
 * attention down blocks, UNetMidBlock2DCrossAttn, cross-attention up blocks. ControlNet residuals
 * (one per skip tensor, plus the mid block) are added when the conditioning carries them.
 */
public final class UNet2DConditionModel extends Module implements Denoiser {
    private final UNet2DConditionConfig config;
    private final Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final List<UNetBlocks.Down> downs = new ArrayList<>();
    private final UNetBlocks.Mid mid;
    private final List<UNetBlocks.Up> ups = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public UNet2DConditionModel(UNet2DConditionConfig c) {
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int groups = c.normNumGroups(), temb = ch.get(0) * 4;
        float eps = (float) c.normEps();
        convIn = child("conv_in", Conv2d.same(c.inChannels(), ch.get(0), 3));
        timeEmbedding = child("time_embedding", new TimestepEmbedding(ch.get(0), temb));
        downs.addAll(UNetBlocks.downs(ch, c.downBlockTypes(), c::attention, temb, c.layersPerBlock(), groups, eps, 0f));
        child("down_blocks", UNetBlocks.list(downs));
        mid = child("mid_block", new UNetBlocks.Mid(ch.get(ch.size() - 1), temb,
                UNetBlocks.AttentionSpec.cross(c.attentionHeadDim(), c.crossAttentionDim(), 1), groups, eps, 0f));
        ups.addAll(UNetBlocks.ups(ch, c.upBlockTypes(), c::attention, temb, c.layersPerBlock(), groups, eps, 0f));
        child("up_blocks", UNetBlocks.list(ups));
        normOut = child("conv_norm_out", new GroupNorm(groups, ch.get(0), eps));
        convOut = child("conv_out", Conv2d.same(ch.get(0), c.outChannels(), 3));
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    @Override
    public int inChannels() {
        return config.inChannels();
    }

    NDArray timeEmbedding(NDArray x, float[] t, boolean training) {
        return timeEmbedding.apply(TimestepEmbedding.sinusoidal(x.getManager(), t, config.blockOutChannels().get(0),
                config.flipSinToCos(), config.freqShift()), training);
    }

    @Override
    public NDArray predict(NDArray x, float[] t, Conditioning cond, boolean training) {
        NDArray emb = timeEmbedding(x, t, training);
        NDArray context = cond.context();
        NDArray h = convIn.forward(x, training);
        List<NDArray> skips = new ArrayList<>();
        skips.add(h);
        for (UNetBlocks.Down d : downs) {
            h = d.apply(h, emb, context, skips, training);
        }
        skips = new ArrayList<>(UNetBlocks.addResiduals(skips, cond.downResiduals()));
        h = mid.apply(h, emb, context, training);
        if (cond.midResidual() != null) {
            h = h.add(cond.midResidual());
        }
        for (UNetBlocks.Up u : ups) {
            h = u.apply(h, emb, context, skips, training);
        }
        return convOut.forward(Ops.silu(normOut.forward(h, training)), training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        float[] t = inputs.get(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        return new NDList(predict(inputs.get(0), t, Conditioning.text(inputs.size() > 2 ? inputs.get(2) : null), training));
    }
}
