package org.diffuda.uda;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.diffuda.segmentation.TrainConfig;
import org.diffuda.util.Configs;

/**
 * DAFormer self-training (Hoyer et al., CVPR'22; ../shared/specs/uda-selftraining.md), every piece
 * switchable. The optimiser, iterations and crops are the {@link TrainConfig}'s; the batch is
 * {@code train.batchSize} source and as many target images.
 *
 * @param alpha          EMA teacher decay α (α_t = min(1 − 1/(t + 1), α)); 0 makes the teacher the student
 * @param pseudoThreshold confidence τ: the pseudo-label weight is the fraction of pixels with max p ≥ τ
 * @param ignoreTop      rows at the top of the target crop given pseudo weight 0
 * @param ignoreBottom   rows at the bottom given pseudo weight 0
 * @param classMix       paste half of a source image's classes onto the target (else: the target alone)
 * @param colorJitter    strong colour jitter (strength 0.2, probability 0.8) on the mixed images
 * @param blur           Gaussian blur (probability 0.5, σ ∈ [0.15, 1.15]) on the mixed images
 * @param rcsTemperature Rare Class Sampling temperature T (≤ 0: off, source images uniform)
 * @param rcsMinPixels   a source image is eligible for class c when it holds this many pixels of c,
 *                       at 512×512 (scaled by the image's area)
 * @param fdLambda       weight of the ImageNet feature distance on thing cells (0: off)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UdaConfig(
        @JsonProperty("train") TrainConfig train,
        @JsonProperty("alpha") double alpha,
        @JsonProperty("pseudo_threshold") double pseudoThreshold,
        @JsonProperty("ignore_top") int ignoreTop,
        @JsonProperty("ignore_bottom") int ignoreBottom,
        @JsonProperty("class_mix") boolean classMix,
        @JsonProperty("color_jitter") boolean colorJitter,
        @JsonProperty("blur") boolean blur,
        @JsonProperty("rcs_temperature") double rcsTemperature,
        @JsonProperty("rcs_min_pixels") int rcsMinPixels,
        @JsonProperty("fd_lambda") double fdLambda) {

    /** DAFormer's real-scale recipe (MiT-B5 in the paper): 40k iterations, 512² crops, batch 2 + 2. */
    public static UdaConfig daformer() {
        return new UdaConfig(TrainConfig.daformerReal(), 0.999, 0.968, 15, 120, true, true, true, 0.01, 3000, 0.005);
    }

    /**
     * The embedded world: the same algorithm on 64×128 images — DAFormer's α, τ, mixing, jitter,
     * blur and RCS; the demo's optimiser and crops; no row masking (the embedded scenes have no
     * ego-vehicle or rectification border); no feature distance — the embedded segmenters start
     * from random weights, and FD pulls toward the initial (ImageNet) encoder.
     */
    public static UdaConfig embedded() {
        return new UdaConfig(TrainConfig.small().withIterations(3000), 0.999, 0.968, 0, 0, true, true, true, 0.01, 3000, 0);
    }

    public UdaConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }
}
