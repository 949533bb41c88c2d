package org.diffuda.methods.unetswap;

import java.util.ArrayList;
import java.util.List;
import org.diffuda.data.Classes;

/**
 * Small Components Refinement (the thesis' SCR), the label-map side: connected components of one
 * class smaller than a threshold, the window regenerated around each, and the paste of the
 * regenerated window back into the image — inside the component's own pixels, nowhere else.
 */
public final class SmallComponents {
    /** One component: its class, pixel indices (row-major in the label map) and bounding box. */
    public record Component(int cls, int[] pixels, int y0, int x0, int y1, int x1) {
        public int size() {
            return pixels.length;
        }
    }

    /** A window {@code [y0, y0 + h) × [x0, x0 + w)} of the label map. */
    public record Window(int y0, int x0, int h, int w) {}

    private SmallComponents() {}

    /**
     * 8-connected components of each train id with fewer than {@code maxPixels} pixels (ignored
     * pixels form none), smallest first, ties by position.
     */
    public static List<Component> find(int[] label, int h, int w, int maxPixels) {
        int[] seen = new int[label.length];
        List<Component> out = new ArrayList<>();
        int[] stack = new int[label.length];
        for (int start = 0; start < label.length; start++) {
            int c = label[start];
            if (seen[start] != 0 || c < 0 || c >= Classes.NUM) {
                continue;
            }
            int top = 0, n = 0;
            stack[top++] = start;
            seen[start] = 1;
            List<Integer> px = new ArrayList<>();
            int y0 = h, x0 = w, y1 = -1, x1 = -1;
            while (top > 0) {
                int i = stack[--top];
                px.add(i);
                n++;
                int y = i / w, x = i % w;
                y0 = Math.min(y0, y);
                y1 = Math.max(y1, y);
                x0 = Math.min(x0, x);
                x1 = Math.max(x1, x);
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if ((dy != 0 || dx != 0) && yy >= 0 && yy < h && xx >= 0 && xx < w) {
                            int j = yy * w + xx;
                            if (seen[j] == 0 && label[j] == c) {
                                seen[j] = 1;
                                stack[top++] = j;
                            }
                        }
                    }
                }
            }
            if (n < maxPixels) {
                int[] p = px.stream().mapToInt(Integer::intValue).sorted().toArray();
                out.add(new Component(c, p, y0, x0, y1 + 1, x1 + 1));
            }
        }
        out.sort((a, b) -> a.size() != b.size() ? Integer.compare(a.size(), b.size()) : Integer.compare(a.pixels()[0], b.pixels()[0]));
        return out;
    }

    /**
     * The window regenerated for a component: the image's aspect at 1/{@code zoom} of its size,
     * doubled until it holds the component's box with a margin of a quarter of the box on each side,
     * centred on the box and shifted to stay inside the image.
     */
    public static Window window(Component c, int h, int w, int zoom) {
        int bh = c.y1() - c.y0(), bw = c.x1() - c.x0();
        int wh = Math.max(1, h / zoom), ww = Math.max(1, w / zoom);
        while ((wh < bh + Math.max(2, bh / 2) || ww < bw + Math.max(2, bw / 2)) && (wh < h || ww < w)) {
            wh = Math.min(h, wh * 2);
            ww = Math.min(w, ww * 2);
        }
        int cy = (c.y0() + c.y1()) / 2, cx = (c.x0() + c.x1()) / 2;
        int y0 = Math.max(0, Math.min(cy - wh / 2, h - wh)), x0 = Math.max(0, Math.min(cx - ww / 2, w - ww));
        return new Window(y0, x0, wh, ww);
    }

    /** The window's label map, upsampled (nearest) to {@code outH × outW}: the regeneration's condition. */
    public static int[] upsampleLabel(int[] label, int w, Window win, int outH, int outW) {
        int[] out = new int[outH * outW];
        for (int y = 0; y < outH; y++) {
            int sy = win.y0() + Math.min(win.h() - 1, (int) Math.floor((y + 0.5) * win.h() / outH));
            for (int x = 0; x < outW; x++) {
                int sx = win.x0() + Math.min(win.w() - 1, (int) Math.floor((x + 0.5) * win.w() / outW));
                out[y * outW + x] = label[sy * w + sx];
            }
        }
        return out;
    }

    /**
     * Pastes {@code patch} (CHW, the regenerated window already resized to the window's size) into
     * {@code image} (CHW, h × w) on the component's pixels only; every other pixel is left as it was.
     */
    public static void paste(float[] image, int h, int w, Component c, Window win, float[] patch) {
        int plane = h * w, pplane = win.h() * win.w();
        for (int i : c.pixels()) {
            int y = i / w - win.y0(), x = i % w - win.x0();
            if (y < 0 || x < 0 || y >= win.h() || x >= win.w()) {
                continue; // cannot happen for a window holding the component; kept as a guard
            }
            for (int ch = 0; ch < 3; ch++) {
                image[ch * plane + i] = patch[ch * pplane + y * win.w() + x];
            }
        }
    }

    /** Mask of every pixel in a component smaller than {@code maxPixels}: what the SCR judge scores. */
    public static boolean[] mask(int[] label, int h, int w, int maxPixels) {
        boolean[] m = new boolean[label.length];
        for (Component c : find(label, h, w, maxPixels)) {
            for (int i : c.pixels()) {
                m[i] = true;
            }
        }
        return m;
    }
}
