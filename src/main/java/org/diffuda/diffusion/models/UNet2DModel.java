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
 * diffusers' UNet2DModel, the pixel-space DDPM denoiser: conv_in, sinusoidal time embedding,
 * down blocks (ResNet blocks, optional self-attention), mid block, up blocks with skip
 * connections, GroupNorm-SiLU-conv_out. ε_θ(x_t, t).
 */
public final class UNet2DModel extends Module implements Denoiser {
    private final UNet2DConfig config;
    private final Conv2d convIn;
    private final TimestepEmbedding timeEmbedding;
    private final List<UNetBlocks.Down> downs = new ArrayList<>();
    private final UNetBlocks.Mid mid;
    private final List<UNetBlocks.Up> ups = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public UNet2DModel(UNet2DConfig c) {
        this.config = c;
        List<Integer> ch = c.blockOutChannels();
        int groups = c.normNumGroups();
        float eps = (float) c.normEps();
        float drop = (float) c.dropout();
        int temb = ch.get(0) * 4;
        convIn = child("conv_in", Conv2d.same(c.inChannels(), ch.get(0), 3));
        timeEmbedding = child("time_embedding", new TimestepEmbedding(ch.get(0), temb));
        downs.addAll(UNetBlocks.downs(ch, c.downBlockTypes(), t -> attention(t, c.headDim()),
                temb, c.layersPerBlock(), groups, eps, drop, c.downsamplePadding()));
        child("down_blocks", UNetBlocks.list(downs));
        mid = child("mid_block", new UNetBlocks.Mid(ch.get(ch.size() - 1), temb, UNetBlocks.AttentionSpec.spatial(c.headDim()),
                groups, eps, drop));
        ups.addAll(UNetBlocks.ups(ch, c.upBlockTypes(), t -> attention(t, c.headDim()), temb, c.layersPerBlock(),
                groups, eps, drop));
        child("up_blocks", UNetBlocks.list(ups));
        normOut = child("conv_norm_out", new GroupNorm(groups, ch.get(0), eps));
        convOut = child("conv_out", Conv2d.same(ch.get(0), c.outChannels(), 3));
    }

    static UNetBlocks.AttentionSpec attention(String type, int headDim) {
        return switch (type) {
            case "DownBlock2D", "UpBlock2D" -> UNetBlocks.AttentionSpec.NONE;
            case "AttnDownBlock2D", "AttnUpBlock2D" -> UNetBlocks.AttentionSpec.spatial(headDim);
            default -> throw new IllegalArgumentException("UNet2DModel block type '" + type
                    + "' (DownBlock2D, AttnDownBlock2D, UpBlock2D, AttnUpBlock2D)");
        };
    }

    public UNet2DConfig config() {
        return config;
    }

    @Override
    public int inChannels() {
        return config.inChannels();
    }

    /**
     * What a method may do at the U-Net's middle: it sees the down path's output (the U-Net
     * encoder's features) and the mid block's output o, and returns the features the up path
     * continues from (CICLD's mask gate; a discriminator records the first).
     */
    public interface MidHook {
        NDArray apply(NDArray encoderFeatures, NDArray mid);
    }

    @Override
    public NDArray predict(NDArray x, float[] t, Conditioning cond, boolean training) {
        return predict(x, t, (MidHook) null, training);
    }

    /** ε_θ(x_t, t) with {@code hook} (null: none) between the mid block and the up path. */
    public NDArray predict(NDArray x, float[] t, MidHook hook, boolean training) {
        NDArray emb = timeEmbedding.apply(TimestepEmbedding.sinusoidal(x.getManager(), t, config.blockOutChannels().get(0),
                config.flipSinToCos(), config.freqShift()), training);
        NDArray h = convIn.forward(x, training);
        List<NDArray> skips = new ArrayList<>();
        skips.add(h);
        for (UNetBlocks.Down d : downs) {
            h = d.apply(h, emb, null, skips, training);
        }
        NDArray o = mid.apply(h, emb, null, training);
        h = hook == null ? o : hook.apply(h, o);
        for (UNetBlocks.Up u : ups) {
            h = u.apply(h, emb, null, skips, training);
        }
        return convOut.forward(Ops.silu(normOut.forward(h, training)), training);
    }

    @Override
    public NDList forward(NDList inputs, boolean training) {
        float[] t = inputs.get(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        return new NDList(predict(inputs.get(0), t, Conditioning.NONE, training));
    }
}
