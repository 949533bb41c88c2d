package org.diffuda.data;

/**
 * One image with its optional label. Image: float RGB in [0, 1], channel-major (C, H, W) as the
 * models take it. Label: train ids (255 = ignore), row-major, or null when unlabelled.
 */
public record Sample(String id, int height, int width, float[] image, int[] label) {
    public Sample {
        if (image.length != 3 * height * width) {
            throw new IllegalArgumentException(id + ": image has " + image.length + " values, expected 3x" + height + "x" + width);
        }
        if (label != null && label.length != height * width) {
            throw new IllegalArgumentException(id + ": label has " + label.length + " values, expected " + height + "x" + width);
        }
    }

    public boolean labelled() {
        return label != null;
    }

    public Sample withImage(float[] img) {
        return new Sample(id, height, width, img, label);
    }

    public int pixels() {
        return height * width;
    }
}
