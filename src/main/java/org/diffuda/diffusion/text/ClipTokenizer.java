package org.diffuda.diffusion.text;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.diffuda.data.DataException;
import org.diffuda.util.Json;

/**
 * CLIP's byte-level BPE tokenizer, reading {@code vocab.json} + {@code merges.txt} as in a
 * diffusers {@code tokenizer/} folder: whitespace cleaning, lower-casing, CLIP's pre-tokenising
 * pattern, bytes mapped to printable characters, {@code </w>} on word ends, merges by rank,
 * {@code <|startoftext|>} … {@code <|endoftext|>}, truncated/padded to model_max_length.
 * Tokens can be added (DreamBooth identifiers, textual inversion) and are matched whole.
 */
public final class ClipTokenizer {
    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";
    private static final Pattern PAT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * CLIP's text cleaning without ftfy, as transformers' CLIPTokenizer does it (its BasicTokenizer
     * with accents kept and no punctuation split): NUL, U+FFFD and control/format characters
     * (zero-width spaces, joiners) dropped; tabs, newlines and space separators become spaces; CJK
     * ideographs stand alone; NFC normalisation; split on whitespace, lower-cased with no locale.
     */
    public static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR) {
                sb.append(' ');
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String nfc = java.text.Normalizer.normalize(sb, java.text.Normalizer.Form.NFC).strip();
        if (nfc.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String w : WHITESPACE.split(nfc)) {
            if (!w.isEmpty()) {
                out.append(out.length() == 0 ? "" : " ").append(w.toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out.toString();
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE
                || t == Character.UNASSIGNED;
    }

    /** The CJK Unified Ideograph blocks BERT's and CLIP's cleaning split on. */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks = new HashMap<>();
    private final List<String> merges;
    private final List<String> added = new ArrayList<>();
    private final String[] byteEncoder = bytesToUnicode();
    private final Map<String, String> cache = new HashMap<>();
    private final int maxLength;
    private final String padToken;

    public ClipTokenizer(Map<String, Integer> vocab, List<String> merges, int maxLength, String padToken) {
        this.vocab = new LinkedHashMap<>(vocab);
        this.merges = List.copyOf(merges);
        for (int i = 0; i < merges.size(); i++) {
            mergeRanks.put(merges.get(i), i);
        }
        this.maxLength = maxLength;
        this.padToken = padToken;
        for (String t : List.of(BOS, EOS, padToken)) {
            if (!this.vocab.containsKey(t)) {
                throw new IllegalArgumentException("vocabulary lacks the special token " + t);
            }
        }
    }

    /** Reads a tokenizer folder: vocab.json, merges.txt, and tokenizer_config.json if present. */
    public static ClipTokenizer load(Path dir) {
        try {
            Path v = dir.resolve("vocab.json"), mf = dir.resolve("merges.txt");
            if (!Files.isRegularFile(v) || !Files.isRegularFile(mf)) {
                throw new DataException(dir, "a CLIP tokenizer folder needs vocab.json and merges.txt");
            }
            Map<String, Integer> vocab = Json.MAPPER.readValue(v.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {});
            List<String> merges = new ArrayList<>();
            for (String line : Files.readAllLines(mf, StandardCharsets.UTF_8)) {
                if (!line.startsWith("#version") && !line.isBlank()) {
                    merges.add(line);
                }
            }
            int max = 77;
            String pad = EOS;
            Path cfg = dir.resolve("tokenizer_config.json");
            List<String> addedTokens = List.of();
            if (Files.isRegularFile(cfg)) {
                var node = Json.MAPPER.readTree(cfg.toFile());
                if (node.has("model_max_length")) {
                    max = node.get("model_max_length").asInt();
                }
                if (node.has("pad_token") && node.get("pad_token").isTextual()) {
                    pad = node.get("pad_token").asText();
                }
                if (node.has("diffuda_added_tokens")) {
                    addedTokens = Json.MAPPER.convertValue(node.get("diffuda_added_tokens"), new TypeReference<List<String>>() {});
                }
            }
            ClipTokenizer t = new ClipTokenizer(vocab, merges, max, pad);
            addedTokens.forEach(t::addToken);
            return t;
        } catch (IOException e) {
            throw new DataException(dir, "cannot read the tokenizer: " + Json.firstLine(e.getMessage()));
        }
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.json"), Json.compact(vocab));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("tokenizer_class", "CLIPTokenizer");
        cfg.put("model_max_length", maxLength);
        cfg.put("bos_token", BOS);
        cfg.put("eos_token", EOS);
        cfg.put("unk_token", EOS);
        cfg.put("pad_token", padToken);
        cfg.put("do_lower_case", true);
        cfg.put("diffuda_added_tokens", added);
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(cfg));
        Files.writeString(dir.resolve("special_tokens_map.json"), Json.write(Json.object("bos_token", BOS, "eos_token", EOS,
                "unk_token", EOS, "pad_token", padToken)));
    }

    public int vocabSize() {
        return vocab.size();
    }

    public int maxLength() {
        return maxLength;
    }

    public int id(String token) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new IllegalArgumentException("token not in vocabulary: " + token);
        }
        return i;
    }

    /**
     * Adds a token matched whole before BPE (e.g. "sks" or "&lt;night-style&gt;"); returns its id, the
     * next free one. The text encoder's token embedding must grow to {@link #vocabSize()}.
     */
    public int addToken(String token) {
        String t = token.toLowerCase(java.util.Locale.ROOT);
        if (!vocab.containsKey(t)) {
            vocab.put(t, vocab.size());
        }
        if (!added.contains(t)) {
            added.add(t);
        }
        return vocab.get(t);
    }

    /** BPE token strings of a text (no special tokens). */
    public List<String> tokenize(String text) {
        String clean = clean(text);
        List<String> out = new ArrayList<>();
        for (String piece : splitAdded(clean)) {
            if (added.contains(piece)) {
                out.add(piece);
                continue;
            }
            Matcher m = PAT.matcher(piece);
            while (m.find()) {
                String word = m.group();
                if (word.equals(BOS) || word.equals(EOS)) {
                    out.add(word);
                    continue;
                }
                StringBuilder sb = new StringBuilder();
                for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
                    sb.append(byteEncoder[b & 0xFF]);
                }
                out.addAll(Arrays.asList(bpe(sb.toString()).split(" ")));
            }
        }
        return out;
    }

    private List<String> splitAdded(String text) {
        List<String> parts = new ArrayList<>(List.of(text));
        for (String a : added) {
            List<String> next = new ArrayList<>();
            for (String p : parts) {
                if (added.contains(p)) {
                    next.add(p);
                    continue;
                }
                Matcher m = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(a) + "(?![\\p{L}\\p{N}])").matcher(p);
                int last = 0;
                while (m.find()) {
                    next.add(p.substring(last, m.start()));
                    next.add(a);
                    last = m.end();
                }
                next.add(p.substring(last));
            }
            parts = next;
        }
        parts.removeIf(String::isBlank);
        return parts;
    }

    /** Ids with BOS/EOS, truncated and padded to the model's length. */
    public int[] encode(String text) {
        List<String> toks = tokenize(text);
        int[] ids = new int[maxLength];
        Arrays.fill(ids, vocab.get(padToken));
        ids[0] = vocab.get(BOS);
        int n = Math.min(toks.size(), maxLength - 2);
        for (int i = 0; i < n; i++) {
            Integer id = vocab.get(toks.get(i));
            ids[i + 1] = id == null ? vocab.get(EOS) : id;
        }
        ids[n + 1] = vocab.get(EOS);
        return ids;
    }

    public int[][] encode(List<String> texts) {
        int[][] out = new int[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(texts.get(i));
        }
        return out;
    }

    private String bpe(String token) {
        String cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        List<String> word = new ArrayList<>();
        int[] cps = token.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            String ch = new String(Character.toChars(cps[i]));
            word.add(i == cps.length - 1 ? ch + "</w>" : ch);
        }
        while (word.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer r = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            String a = word.get(best), b = word.get(best + 1);
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < word.size(); i++) {
                if (i < word.size() - 1 && word.get(i).equals(a) && word.get(i + 1).equals(b)) {
                    merged.add(a + b);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        String out = String.join(" ", word);
        cache.put(token, out);
        return out;
    }

    /** GPT-2/CLIP's reversible map from bytes to printable unicode characters. */
    static String[] bytesToUnicode() {
        List<Integer> bs = new ArrayList<>();
        for (int i = '!'; i <= '~'; i++) {
            bs.add(i);
        }
        for (int i = 0xA1; i <= 0xAC; i++) {
            bs.add(i);
        }
        for (int i = 0xAE; i <= 0xFF; i++) {
            bs.add(i);
        }
        String[] out = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (bs.contains(b)) {
                out[b] = new String(Character.toChars(b));
            } else {
                out[b] = new String(Character.toChars(256 + n++));
            }
        }
        return out;
    }

    /**
     * A CLIP-format tokenizer for a small corpus: the 256 byte symbols (plain and word-final), every
     * corpus word as one token built by left-to-right merges, and the special tokens. Unknown words
     * still tokenize (into byte symbols), as with any BPE.
     */
    public static ClipTokenizer forCorpus(List<String> texts, int maxLength) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String[] enc = bytesToUnicode();
        for (String s : enc) {
            vocab.put(s, vocab.size());
        }
        for (String s : enc) {
            vocab.put(s + "</w>", vocab.size());
        }
        List<String> merges = new ArrayList<>();
        java.util.Set<String> words = new java.util.TreeSet<>();
        for (String t : texts) {
            Matcher m = PAT.matcher(clean(t));
            while (m.find()) {
                words.add(m.group());
            }
        }
        java.util.Set<String> seenMerges = new java.util.HashSet<>();
        for (String w : words) {
            StringBuilder sb = new StringBuilder();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) {
                sb.append(enc[b & 0xFF]);
            }
            int[] cps = sb.toString().codePoints().toArray();
            String acc = new String(Character.toChars(cps[0]));
            for (int i = 1; i < cps.length; i++) {
                String next = new String(Character.toChars(cps[i])) + (i == cps.length - 1 ? "</w>" : "");
                String merge = acc + " " + next;
                if (seenMerges.add(merge)) {
                    merges.add(merge);
                }
                acc = acc + next;
                vocab.putIfAbsent(acc, vocab.size());
            }
        }
        vocab.put(BOS, vocab.size());
        vocab.put(EOS, vocab.size());
        return new ClipTokenizer(vocab, merges, maxLength, EOS);
    }
}
