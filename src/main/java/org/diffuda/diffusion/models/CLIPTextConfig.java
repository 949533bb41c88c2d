package org.diffuda.diffusion.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** transformers' CLIPTextConfig (text_encoder/config.json) fields. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CLIPTextConfig(
        @JsonProperty("architectures") List<String> architectures,
        @JsonProperty("model_type") String modelType,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("bos_token_id") int bosTokenId,
        @JsonProperty("eos_token_id") int eosTokenId,
        @JsonProperty("pad_token_id") int padTokenId) {

    /** SD-1.x's text encoder: the ViT-L/14 CLIP text tower. */
    /** transformers' CLIPTextConfig defaults, for fields a config.json leaves out. */
    public static CLIPTextConfig referenceDefaults() {
        return new CLIPTextConfig(List.of("CLIPTextModel"), "clip_text_model", 49408, 512, 2048, 12, 8, 77, "quick_gelu",
                1e-5, 49406, 49407, 1);
    }

    public static CLIPTextConfig sd15() {
        return new CLIPTextConfig(List.of("CLIPTextModel"), "clip_text_model", 49408, 768, 3072, 12, 12, 77, "quick_gelu",
                1e-5, 49406, 49407, 49407);
    }

    /** Embedded: 2 layers, width 64, 16 tokens, over the prior corpus's vocabulary. */
    public static CLIPTextConfig small(int vocabSize, int bos, int eos) {
        return new CLIPTextConfig(List.of("CLIPTextModel"), "clip_text_model", vocabSize, 64, 256, 2, 4, 16, "quick_gelu",
                1e-5, bos, eos, eos);
    }

    public CLIPTextConfig withVocabSize(int n) {
        return new CLIPTextConfig(architectures, modelType, n, hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, maxPositionEmbeddings, hiddenAct, layerNormEps, bosTokenId, eosTokenId, padTokenId);
    }
}
