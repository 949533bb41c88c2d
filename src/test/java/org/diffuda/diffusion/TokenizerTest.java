package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
    /** A hand-made CLIP-format vocabulary: merges apply by rank, word ends carry </w>. */
    @Test
    void bpeFollowsMergeRanksAndWordEnds(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"c\":0,\"a\":1,\"r\":2,\"s\":3,\"r</w>\":4,\"s</w>\":5,\"ca\":6,\"car</w>\":7,"
                + "\"car\":8,\"cars</w>\":9,\"!</w>\":10,\"<|startoftext|>\":11,\"<|endoftext|>\":12,\"a</w>\":13}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a\nca r</w>\nca r\ncar s</w>\n");
        ClipTokenizer t = ClipTokenizer.load(dir);
        assertEquals(List.of("car</w>", "cars</w>", "!</w>"), t.tokenize("  CAR   cars!"));
        assertEquals(List.of("c", "a</w>"), t.tokenize("ca"), "no merge 'c a</w>': the word stays in pieces");
        int[] ids = t.encode("car cars");
        assertEquals(77, ids.length);
        assertArrayEquals(new int[] {11, 7, 9, 12, 12}, java.util.Arrays.copyOf(ids, 5), "BOS, tokens, EOS, then EOS padding");
    }

    @Test
    void corpusTokenizerRoundTripsAndAddsTokens(@TempDir Path dir) throws Exception {
        ClipTokenizer t = ClipTokenizer.forCorpus(List.of("driving at night", "a photo of a bus", "an urban scene in snow"), 16);
        assertEquals(List.of("driving</w>", "at</w>", "night</w>"), t.tokenize("Driving at NIGHT"));
        assertTrue(t.tokenize("zebra").size() > 1, "unknown words fall back to smaller pieces");
        int id = t.addToken("sks");
        assertEquals(t.vocabSize() - 1, id);
        int[] ids = t.encode("a photo of sks bus");
        assertEquals(id, ids[4]);
        t.save(dir);
        ClipTokenizer back = ClipTokenizer.load(dir);
        assertArrayEquals(ids, back.encode("a photo of sks bus"));
        assertEquals(t.vocabSize(), back.vocabSize());
        int[] longText = t.encode("a a a a a a a a a a a a a a a a a a a a");
        assertEquals(16, longText.length);
        assertEquals(t.id(ClipTokenizer.EOS), longText[15], "truncated, still ends in EOS");
        Map<String, Integer> bytes = Map.of();
        assertTrue(bytes.isEmpty());
    }

    /** Case mapping must not follow the JVM's locale: Turkish maps "I" to a dotless "ı". */
    @Test
    void lowerCasingIgnoresTheDefaultLocale() {
        ClipTokenizer t = ClipTokenizer.forCorpus(List.of("driving in snow", "in the city"), 16);
        int[] root = t.encode("DRIVING IN SNOW");
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            assertArrayEquals(root, t.encode("DRIVING IN SNOW"));
        } finally {
            java.util.Locale.setDefault(before);
        }
        assertArrayEquals(t.encode("driving in snow"), root);
    }

    /** transformers' CLIPTokenizer without ftfy: control and zero-width characters go, NFC, Unicode spaces, CJK split. */
    @Test
    void textCleaningFollowsClipsBasicTokenizer() {
        assertEquals("café night 东 京", ClipTokenizer.clean("  Cafe\u0301\u200B\tNIGHT\u00A0东京\u0007 "));
        assertEquals("ab", ClipTokenizer.clean("a\u200Bb"), "zero-width space (Cf) dropped");
        assertEquals("a b", ClipTokenizer.clean("a\u2003b"), "em space (Zs) is a space");
        assertEquals("", ClipTokenizer.clean("\u0000\uFFFD "));
        ClipTokenizer t = ClipTokenizer.forCorpus(List.of("café at night", "东京"), 16);
        assertEquals(t.tokenize("café"), t.tokenize("Cafe\u0301"), "NFD and NFC spell the same word");
        assertEquals(t.tokenize("东 京"), t.tokenize("东京"), "each ideograph is its own word");
    }
}
