package org.diffuda.data;

import java.util.Arrays;

/**
 * A lookup from a dataset's raw label ids to Cityscapes train ids. Raw ids outside the table's
 * range are an error (never silently a wrong label); ids inside it that the benchmark does not
 * evaluate map to 255.
 */
public final class LabelMapping {
    private final String name;
    private final int[] table;

    private LabelMapping(String name, int[] table) {
        this.name = name;
        this.table = table;
    }

    /** Official cityscapesScripts labels.py: labelId → trainId (ids 0..33). */
    public static final LabelMapping CITYSCAPES = build("cityscapes labelIds", 34, new int[][] {
        {7, 0}, {8, 1}, {11, 2}, {12, 3}, {13, 4}, {17, 5}, {19, 6}, {20, 7}, {21, 8}, {22, 9},
        {23, 10}, {24, 11}, {25, 12}, {26, 13}, {27, 14}, {28, 15}, {31, 16}, {32, 17}, {33, 18}
    });

    /** SYNTHIA RAND-CITYSCAPES README ids (0..22) → Cityscapes train ids. */
    public static final LabelMapping SYNTHIA = build("synthia ids", 23, new int[][] {
        {3, 0}, {4, 1}, {2, 2}, {21, 3}, {5, 4}, {7, 5}, {15, 6}, {9, 7}, {6, 8}, {16, 9},
        {1, 10}, {10, 11}, {17, 12}, {8, 13}, {18, 14}, {19, 15}, {20, 16}, {12, 17}, {11, 18}
    });

    /** Labels already in train ids (generic folder layout): 0..18 and 255. */
    public static final LabelMapping TRAIN_IDS;

    static {
        int[] t = new int[256];
        Arrays.fill(t, -1);
        for (int i = 0; i < Classes.NUM; i++) {
            t[i] = i;
        }
        t[255] = 255;
        TRAIN_IDS = new LabelMapping("train ids", t);
    }

    private static LabelMapping build(String name, int size, int[][] pairs) {
        int[] t = new int[size];
        Arrays.fill(t, Classes.IGNORE);
        for (int[] p : pairs) {
            t[p[0]] = p[1];
        }
        return new LabelMapping(name, t);
    }

    public String name() {
        return name;
    }

    /** Maps raw ids in place; returns the first invalid raw id or -1. */
    public int mapInPlace(int[] raw) {
        for (int i = 0; i < raw.length; i++) {
            int r = raw[i];
            int m = r >= 0 && r < table.length ? table[r] : -1;
            if (m < 0) {
                return r;
            }
            raw[i] = m;
        }
        return -1;
    }

    public int map(int raw) {
        return raw >= 0 && raw < table.length ? table[raw] : -1;
    }
}
