package org.diffuda.data.bench;

import java.util.List;
import java.util.Random;
import static org.diffuda.data.Classes.*;

/**
 * Renders a {@link Scene} into RGB (float CHW in [0, 1]). Every class gets texture, and the same
 * class looks different between styles. {@code sim} is the game-like source: saturated flat
 * colours, hard edges. {@code real} is the camera-like target: another palette whose relation
 * to sim's differs per class and per instance (car paint, clothing), sensor noise, blur,
 * vignetting, white balance — no global colour map turns one into the other. Conditions
 * (night, fog, rain, snow) apply on top of a base style. Prior-corpus styles (sunny, cartoon,
 * sketch, sepia) never produce the sim or real look.
 */
public final class Styles {
    public static final List<String> BENCHMARK = List.of("sim", "real", "night", "fog", "rain", "snow");
    public static final List<String> CONDITIONS = List.of("night", "fog", "rain", "snow");
    public static final List<String> PRIOR = List.of("sunny", "cartoon", "sketch", "sepia", "night", "fog", "rain", "snow");

    private static final int[][] SIM = {
        {92, 88, 104}, {196, 150, 172}, {178, 150, 110}, {150, 150, 215}, {176, 118, 56}, {240, 236, 60},
        {255, 140, 0}, {235, 30, 30}, {50, 180, 50}, {150, 200, 90}, {100, 170, 240}, {255, 60, 200},
        {0, 230, 230}, {30, 60, 230}, {232, 100, 40}, {250, 200, 0}, {125, 40, 205}, {255, 0, 120}, {0, 150, 255}
    };
    private static final int[][] REAL = {
        {100, 98, 96}, {148, 140, 128}, {128, 116, 108}, {168, 158, 138}, {112, 100, 82}, {82, 82, 88},
        {42, 42, 38}, {62, 92, 170}, {74, 112, 52}, {125, 135, 75}, {165, 188, 215}, {90, 70, 60},
        {70, 60, 90}, {140, 140, 145}, {205, 205, 200}, {196, 64, 52}, {168, 168, 176}, {34, 34, 36}, {58, 58, 62}
    };
    private static final int[][] SUNNY = {
        {125, 125, 128}, {192, 182, 168}, {182, 118, 96}, {200, 196, 180}, {150, 120, 90}, {120, 120, 120},
        {30, 80, 40}, {240, 220, 40}, {54, 140, 48}, {110, 170, 70}, {110, 170, 242}, {200, 120, 80},
        {90, 120, 200}, {200, 40, 40}, {240, 240, 235}, {240, 180, 30}, {60, 160, 90}, {180, 30, 30}, {40, 120, 40}
    };
    private static final int[][] CAR_PAINT = {
        {20, 20, 22}, {225, 225, 228}, {150, 152, 158}, {150, 28, 28}, {30, 40, 90}, {40, 70, 50}, {110, 104, 96}
    };
    private static final int[][] CLOTHES = {
        {30, 30, 35}, {60, 60, 100}, {120, 40, 40}, {200, 200, 190}, {90, 80, 60}, {40, 80, 60}
    };

    private Styles() {}

    public static float[] render(Scene s, String style, Random r) {
        long seed = r.nextLong();
        return switch (style) {
            case "sim" -> sim(s, seed);
            case "real" -> real(s, seed, r);
            case "sunny" -> sunny(s, seed);
            case "cartoon" -> cartoon(s, seed);
            case "sketch" -> sketch(s);
            case "sepia" -> sepia(sunny(s, seed));
            case "night", "fog", "rain", "snow" -> condition(real(s, seed, r), s, style, r);
            default -> throw new IllegalArgumentException("unknown style '" + style + "' (" + BENCHMARK + ", " + PRIOR + ")");
        };
    }

    /** A prior-corpus condition: the condition applied to the generic sunny look, not to real. */
    public static float[] renderPrior(Scene s, String style, Random r) {
        if (CONDITIONS.contains(style)) {
            return condition(sunny(s, r.nextLong()), s, style, r);
        }
        return render(s, style, r);
    }

    // ---------------------------------------------------------------- base styles

    private static float[] sim(Scene s, long seed) {
        int n = s.height * s.width;
        float[] img = new float[3 * n];
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x, c = s.label[i], inst = s.instance[i];
                float[] rgb = base(SIM, c);
                float jitter = 0.12f * (hash(inst, 3, seed) - 0.5f);
                float tex = 0.04f * (noise(x, y, 0.5, seed) - 0.5f);
                float shade = 1f + jitter + tex;
                if (c == SKY) {
                    // game skies have drawn clouds
                    shade = 0.8f + 0.35f * y / (float) s.height + 0.25f * (noise(x, y, 0.2, seed + 5) - 0.5f);
                } else if (c == BUILDING && windows(x, y, inst, 3, 4)) {
                    rgb = new float[] {0.95f, 0.95f, 0.75f};
                } else if (c == ROAD && inst == -1) {
                    rgb = new float[] {1f, 1f, 1f};
                } else if (c == TERRAIN && ((x + y) & 3) == 0) {
                    shade *= 0.88f;
                }
                put(img, n, i, rgb[0] * shade, rgb[1] * shade, rgb[2] * shade);
            }
        }
        return clamp(img);
    }

    private static float[] real(Scene s, long seed, Random r) {
        int n = s.height * s.width;
        float[] img = new float[3 * n];
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x, c = s.label[i], inst = s.instance[i];
                float[] rgb = base(REAL, c);
                if (c == CAR || c == TRUCK && hash(inst, 5, seed) < 0.5f) {
                    rgb = rgb(CAR_PAINT[(int) (hash(inst, 7, seed) * CAR_PAINT.length)]);
                } else if (c == PERSON || c == RIDER) {
                    rgb = rgb(CLOTHES[(int) (hash(inst, 11, seed) * CLOTHES.length)]);
                    if (y > 0 && s.label[i - s.width] != c) {
                        rgb = new float[] {0.78f, 0.62f, 0.52f};
                    }
                }
                float fine = noise(x, y, 0.9, seed) - 0.5f, coarse = noise(x, y, 0.15, seed + 1) - 0.5f;
                float shade = 1f + 0.12f * fine + 0.18f * coarse + 0.08f * (hash(inst, 13, seed) - 0.5f);
                switch (c) {
                    case SKY -> shade = 1.05f - 0.25f * y / (float) s.height + 0.06f * coarse;
                    case BUILDING -> {
                        if (windows(x, y, inst, 2, 3)) {
                            shade *= 0.55f;
                        }
                    }
                    case VEGETATION -> shade *= 0.75f + 0.5f * noise(x, y, 1.3, seed + 2);
                    case ROAD -> {
                        if (inst == -1) {
                            rgb = new float[] {0.72f, 0.72f, 0.68f};
                        }
                    }
                    case TRAFFIC_LIGHT -> {
                        if (hash(x, y, seed) < 0.25f) {
                            rgb = new float[] {0.95f, 0.5f, 0.2f};
                        }
                    }
                    case BUS, TRAIN -> {
                        if (((y / 2) & 1) == 0 && windows(x, y, inst, 2, 2)) {
                            shade *= 0.5f;
                        }
                    }
                    default -> { }
                }
                put(img, n, i, rgb[0] * shade, rgb[1] * shade, rgb[2] * shade);
            }
        }
        img = blur3(img, s.height, s.width);
        // white balance, vignette and sensor noise of a camera
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x;
                double dx = (x + 0.5) / s.width - 0.5, dy = (y + 0.5) / s.height - 0.5;
                float v = (float) (1 - 0.45 * (dx * dx + dy * dy) * 2);
                img[i] = img[i] * 1.06f * v + (float) r.nextGaussian() * 0.035f;
                img[n + i] = img[n + i] * v + (float) r.nextGaussian() * 0.035f;
                img[2 * n + i] = img[2 * n + i] * 0.9f * v + (float) r.nextGaussian() * 0.035f;
            }
        }
        return clamp(img);
    }

    private static float[] sunny(Scene s, long seed) {
        int n = s.height * s.width;
        float[] img = new float[3 * n];
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x, c = s.label[i], inst = s.instance[i];
                float[] rgb = base(SUNNY, c);
                if (c == CAR) {
                    float h = hash(inst, 17, seed);
                    rgb = hsv(h, 0.7f, 0.85f);
                }
                float shade = 1f + 0.1f * (noise(x, y, 0.6, seed) - 0.5f);
                if (c == SKY) {
                    shade = 0.85f + 0.25f * y / (float) s.height;
                } else if (c == BUILDING && windows(x, y, inst, 3, 3)) {
                    rgb = new float[] {0.35f, 0.45f, 0.6f};
                } else if (c == ROAD && inst == -1) {
                    rgb = new float[] {0.95f, 0.9f, 0.5f};
                }
                put(img, n, i, rgb[0] * shade, rgb[1] * shade, rgb[2] * shade);
            }
        }
        return clamp(img);
    }

    private static float[] cartoon(Scene s, long seed) {
        float[] img = sunny(s, seed);
        int n = s.height * s.width;
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.round(img[i] * 4) / 4f;
        }
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                if (edge(s, x, y)) {
                    put(img, n, y * s.width + x, 0.05f, 0.05f, 0.05f);
                }
            }
        }
        return img;
    }

    private static float[] sketch(Scene s) {
        int n = s.height * s.width;
        float[] img = new float[3 * n];
        for (int y = 0; y < s.height; y++) {
            for (int x = 0; x < s.width; x++) {
                int i = y * s.width + x, c = s.label[i];
                float v = edge(s, x, y) ? 0.15f : 0.97f;
                if (v > 0.5f && c != SKY && ((x + y + c) % (3 + c % 4)) == 0) {
                    v = 0.7f;
                }
                put(img, n, i, v, v, v * 0.97f);
            }
        }
        return img;
    }

    private static float[] sepia(float[] img) {
        int n = img.length / 3;
        float[] out = new float[img.length];
        for (int i = 0; i < n; i++) {
            float r = img[i], g = img[n + i], b = img[2 * n + i];
            out[i] = 0.393f * r + 0.769f * g + 0.189f * b;
            out[n + i] = 0.349f * r + 0.686f * g + 0.168f * b;
            out[2 * n + i] = 0.272f * r + 0.534f * g + 0.131f * b;
        }
        return clamp(out);
    }

    // ---------------------------------------------------------------- conditions

    private static float[] condition(float[] img, Scene s, String cond, Random r) {
        int n = s.height * s.width;
        float[] out = img.clone();
        switch (cond) {
            case "night" -> {
                for (int i = 0; i < n; i++) {
                    boolean sky = s.label[i] == SKY;
                    float k = sky ? 0.08f : 0.2f;
                    out[i] = 0.03f + k * img[i] * 0.8f;
                    out[n + i] = 0.03f + k * img[n + i] * 0.85f;
                    out[2 * n + i] = 0.06f + k * img[2 * n + i];
                }
                for (float[] l : s.lights) {
                    glow(out, s, l, 1.0f);
                }
            }
            case "fog" -> {
                for (int i = 0; i < n; i++) {
                    float t = (float) Math.exp(-3.2 * s.depth[i]);
                    float grey = 0.72f;
                    for (int c = 0; c < 3; c++) {
                        out[c * n + i] = img[c * n + i] * t + grey * (1 - t);
                    }
                }
            }
            case "rain" -> {
                for (int i = 0; i < n; i++) {
                    int c0 = s.label[i];
                    float k = c0 == ROAD || c0 == SIDEWALK ? 0.5f : 0.72f;
                    for (int c = 0; c < 3; c++) {
                        out[c * n + i] = img[c * n + i] * k + 0.04f;
                    }
                }
                // reflections of bright things on the wet road: mirror the image above each road row
                for (int y = 0; y < s.height; y++) {
                    for (int x = 0; x < s.width; x++) {
                        int i = y * s.width + x;
                        if (s.label[i] == ROAD && y > 0) {
                            int yy = Math.max(0, y - 1 - (int) (r.nextDouble() * 3));
                            for (int c = 0; c < 3; c++) {
                                out[c * n + i] += 0.25f * out[c * n + yy * s.width + x];
                            }
                        }
                    }
                }
                int streaks = s.width * s.height / 40;
                for (int k = 0; k < streaks; k++) {
                    int x = r.nextInt(s.width), y = r.nextInt(s.height), len = 2 + r.nextInt(4);
                    for (int j = 0; j < len; j++) {
                        int xx = x + j / 3, yy = y + j;
                        if (xx < s.width && yy < s.height) {
                            int i = yy * s.width + xx;
                            for (int c = 0; c < 3; c++) {
                                out[c * n + i] = out[c * n + i] * 0.6f + 0.3f;
                            }
                        }
                    }
                }
            }
            case "snow" -> {
                long seed = r.nextLong();
                for (int y = 0; y < s.height; y++) {
                    for (int x = 0; x < s.width; x++) {
                        int i = y * s.width + x, c0 = s.label[i];
                        float cover = switch (c0) {
                            case ROAD -> 0.55f + 0.3f * noise(x, y, 0.4, seed);
                            case SIDEWALK, TERRAIN -> 0.9f;
                            case VEGETATION, BUILDING -> 0.3f * noise(x, y, 0.8, seed);
                            default -> 0f;
                        };
                        for (int c = 0; c < 3; c++) {
                            out[c * n + i] = (img[c * n + i] * 0.85f + 0.08f) * (1 - cover) + 0.92f * cover;
                        }
                        if (c0 == SKY) {
                            for (int c = 0; c < 3; c++) {
                                out[c * n + i] = 0.8f + 0.05f * c;
                            }
                        }
                    }
                }
                int flakes = s.width * s.height / 25;
                for (int k = 0; k < flakes; k++) {
                    int i = r.nextInt(n);
                    for (int c = 0; c < 3; c++) {
                        out[c * n + i] = 0.97f;
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown condition " + cond);
        }
        return clamp(out);
    }

    private static void glow(float[] img, Scene s, float[] l, float strength) {
        int n = s.height * s.width;
        float rad = Math.max(1.2f, l[2]) * 2.2f;
        for (int y = (int) (l[1] - rad * 2); y <= (int) (l[1] + rad * 2); y++) {
            for (int x = (int) (l[0] - rad * 2); x <= (int) (l[0] + rad * 2); x++) {
                if (x < 0 || y < 0 || x >= s.width || y >= s.height) {
                    continue;
                }
                double d2 = ((x + 0.5 - l[0]) * (x + 0.5 - l[0]) + (y + 0.5 - l[1]) * (y + 0.5 - l[1])) / (rad * rad);
                float g = (float) (strength * Math.exp(-d2 * 1.5));
                int i = y * s.width + x;
                img[i] += g * l[3];
                img[n + i] += g * l[4];
                img[2 * n + i] += g * l[5];
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static boolean windows(int x, int y, int inst, int px, int py) {
        int ox = (int) (hash(inst, 19, 0) * px), oy = (int) (hash(inst, 23, 0) * py);
        return ((x + ox) % px == 0) && ((y + oy) % py != 0);
    }

    private static boolean edge(Scene s, int x, int y) {
        int c = s.at(x, y);
        return (x + 1 < s.width && s.at(x + 1, y) != c) || (y + 1 < s.height && s.at(x, y + 1) != c);
    }

    private static float[] base(int[][] palette, int cls) {
        return rgb(palette[cls]);
    }

    private static float[] rgb(int[] c) {
        return new float[] {c[0] / 255f, c[1] / 255f, c[2] / 255f};
    }

    private static float[] hsv(float h, float s, float v) {
        int rgb = java.awt.Color.HSBtoRGB(h, s, v);
        return new float[] {((rgb >> 16) & 255) / 255f, ((rgb >> 8) & 255) / 255f, (rgb & 255) / 255f};
    }

    private static void put(float[] img, int n, int i, float r, float g, float b) {
        img[i] = r;
        img[n + i] = g;
        img[2 * n + i] = b;
    }

    private static float[] clamp(float[] img) {
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.max(0f, Math.min(1f, img[i]));
        }
        return img;
    }

    private static float[] blur3(float[] img, int h, int w) {
        int n = h * w;
        float[] out = new float[img.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float sum = 0;
                    float wsum = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
                            float k = dx == 0 && dy == 0 ? 4 : (dx == 0 || dy == 0 ? 2 : 1);
                            sum += k * img[c * n + yy * w + xx];
                            wsum += k;
                        }
                    }
                    out[c * n + y * w + x] = sum / wsum;
                }
            }
        }
        return out;
    }

    /** A uniform [0,1) value from integer coordinates and a seed. */
    static float hash(long a, long b, long seed) {
        long h = seed * 0x9E3779B97F4A7C15L + a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (h >>> 40) / (float) (1L << 24);
    }

    /** Value noise: bilinear interpolation of a hashed lattice at the given frequency. */
    static float noise(double x, double y, double freq, long seed) {
        double fx = x * freq, fy = y * freq;
        long x0 = (long) Math.floor(fx), y0 = (long) Math.floor(fy);
        float tx = (float) (fx - x0), ty = (float) (fy - y0);
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        float a = hash(x0, y0, seed), b = hash(x0 + 1, y0, seed), c = hash(x0, y0 + 1, seed), d = hash(x0 + 1, y0 + 1, seed);
        return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
    }
}
