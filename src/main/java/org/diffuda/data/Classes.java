package org.diffuda.data;

import java.util.List;

/**
 * The Cityscapes train-id taxonomy (19 classes, 255 = ignore) with official names and colours,
 * and the evaluation subsets used for SYNTHIA→Cityscapes (mIoU16 / mIoU13).
 */
public final class Classes {
    public static final int NUM = 19;
    public static final int IGNORE = 255;

    public static final String[] NAMES = {
        "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
        "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
        "motorcycle", "bicycle"
    };

    public static final int[][] COLORS = {
        {128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153},
        {153, 153, 153}, {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152},
        {70, 130, 180}, {220, 20, 60}, {255, 0, 0}, {0, 0, 142}, {0, 0, 70}, {0, 60, 100},
        {0, 80, 100}, {0, 0, 230}, {119, 11, 32}
    };

    public static final int ROAD = 0, SIDEWALK = 1, BUILDING = 2, WALL = 3, FENCE = 4, POLE = 5,
            TRAFFIC_LIGHT = 6, TRAFFIC_SIGN = 7, VEGETATION = 8, TERRAIN = 9, SKY = 10, PERSON = 11,
            RIDER = 12, CAR = 13, TRUCK = 14, BUS = 15, TRAIN = 16, MOTORCYCLE = 17, BICYCLE = 18;

    /** SYNTHIA→Cityscapes 16 classes: all but terrain, truck, train. */
    public static final List<Integer> SUBSET_16 = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18);
    /** ... and 13 classes: additionally without wall, fence, pole. */
    public static final List<Integer> SUBSET_13 = List.of(0, 1, 2, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18);
    public static final List<Integer> ALL_19 = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18);
    /** DAFormer's thing classes (feature distance is computed on these). */
    public static final List<Integer> THINGS = List.of(6, 7, 11, 12, 13, 14, 15, 16, 17, 18);

    private Classes() {}

    public static List<Integer> subset(int numClasses) {
        return switch (numClasses) {
            case 19 -> ALL_19;
            case 16 -> SUBSET_16;
            case 13 -> SUBSET_13;
            default -> throw new IllegalArgumentException("class subset must be 19, 16 or 13, got " + numClasses);
        };
    }

    public static int colorRgb(int trainId) {
        if (trainId < 0 || trainId >= NUM) {
            return 0;
        }
        int[] c = COLORS[trainId];
        return (c[0] << 16) | (c[1] << 8) | c[2];
    }
}
