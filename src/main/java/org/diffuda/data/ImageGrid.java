package org.diffuda.data;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Tiles equally sized images into one PNG with optional column titles. */
public final class ImageGrid {
    private ImageGrid() {}

    public static BufferedImage grid(List<BufferedImage> cells, int cols, List<String> titles, int scale) {
        return grid(cells, cols, titles, null, scale);
    }

    /** The same with a label left of each row (null: none). */
    public static BufferedImage grid(List<BufferedImage> cells, int cols, List<String> titles, List<String> rowTitles, int scale) {
        BufferedImage first = cells.get(0);
        int cw = first.getWidth() * scale, ch = first.getHeight() * scale, pad = 2;
        int title = titles == null ? 0 : 14;
        int left = 0;
        if (rowTitles != null) {
            for (String r : rowTitles) {
                left = Math.max(left, 6 * r.length() + 8);
            }
        }
        int rows = (cells.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(left + cols * (cw + pad) + pad, title + rows * (ch + pad) + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        if (titles != null) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int c = 0; c < Math.min(cols, titles.size()); c++) {
                g.drawString(titles.get(c), left + pad + c * (cw + pad) + 2, 11);
            }
        }
        if (rowTitles != null) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int r = 0; r < Math.min(rows, rowTitles.size()); r++) {
                g.drawString(rowTitles.get(r), 3, title + pad + r * (ch + pad) + ch / 2 + 4);
            }
        }
        for (int i = 0; i < cells.size(); i++) {
            int r = i / cols, c = i % cols;
            g.drawImage(cells.get(i), left + pad + c * (cw + pad), title + pad + r * (ch + pad), cw, ch, null);
        }
        g.dispose();
        return out;
    }
}
