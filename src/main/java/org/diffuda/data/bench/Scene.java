package org.diffuda.data.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.diffuda.data.Classes;

/**
 * A generated street scene before rendering: the label map (train ids), a depth map (0 near,
 * 1 far, for fog), an instance id per pixel (so styles vary colour per object), and the light
 * sources a night render makes glow. Drawing is painter's order: far things first.
 */
public final class Scene {
    public final int height;
    public final int width;
    public final int[] label;
    public final float[] depth;
    public final int[] instance;
    public final List<float[]> lights = new ArrayList<>();
    /** Count of drawn instances per class (captions name them). */
    public final int[] instances = new int[Classes.NUM];
    private int nextInstance = 1;

    public Scene(int height, int width) {
        this.height = height;
        this.width = width;
        this.label = new int[height * width];
        this.depth = new float[height * width];
        this.instance = new int[height * width];
        Arrays.fill(depth, 1f);
    }

    public int newInstance(int cls) {
        instances[cls]++;
        return nextInstance++;
    }

    public void set(int x, int y, int cls, float d, int inst) {
        if (x >= 0 && x < width && y >= 0 && y < height) {
            int i = y * width + x;
            label[i] = cls;
            depth[i] = d;
            instance[i] = inst;
        }
    }

    public void rect(double x0, double y0, double x1, double y1, int cls, float d, int inst) {
        int xa = (int) Math.floor(Math.min(x0, x1)), xb = (int) Math.ceil(Math.max(x0, x1));
        int ya = (int) Math.floor(Math.min(y0, y1)), yb = (int) Math.ceil(Math.max(y0, y1));
        for (int y = Math.max(0, ya); y < Math.min(height, yb); y++) {
            for (int x = Math.max(0, xa); x < Math.min(width, xb); x++) {
                set(x, y, cls, d, inst);
            }
        }
    }

    public void ellipse(double cx, double cy, double rx, double ry, int cls, float d, int inst) {
        for (int y = (int) Math.floor(cy - ry); y <= (int) Math.ceil(cy + ry); y++) {
            for (int x = (int) Math.floor(cx - rx); x <= (int) Math.ceil(cx + rx); x++) {
                double dx = (x + 0.5 - cx) / Math.max(rx, 0.5), dy = (y + 0.5 - cy) / Math.max(ry, 0.5);
                if (dx * dx + dy * dy <= 1) {
                    set(x, y, cls, d, inst);
                }
            }
        }
    }

    /** A light (x, y, radius, r, g, b) that glows in night renders. */
    public void light(double x, double y, double radius, float r, float g, float b) {
        lights.add(new float[] {(float) x, (float) y, (float) radius, r, g, b});
    }

    public int at(int x, int y) {
        return label[y * width + x];
    }
}
