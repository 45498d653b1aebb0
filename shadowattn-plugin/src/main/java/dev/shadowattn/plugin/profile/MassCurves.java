package dev.shadowattn.plugin.profile;

/**
 * The calibration's attention-mass curves (the {@code "massGrid"} and {@code "massCurve"} of a profile): the mean
 * share of each head's exact softmax weight held by its top {@code ratio} keys, at each ratio of the grid.
 *
 * @param grid  ascending keep ratios in (0, 1], the last 1
 * @param curve kept mass per layer, query head and grid ratio, each in [0, 1]
 */
public record MassCurves(double[] grid, double[][][] curve) {

    /** Fails naming the field at fault unless the grid is ascending in (0, 1] and the curves match it. */
    public void validate(int layers, int heads, String source) {
        for (int i = 0; i < grid.length; i++) {
            if (!(grid[i] > 0 && grid[i] <= 1) || (i > 0 && grid[i] <= grid[i - 1])) {
                throw new IllegalArgumentException("model profile " + source + ": massGrid must ascend within (0, 1],"
                        + " massGrid[" + i + "] = " + grid[i]);
            }
        }
        if (grid.length == 0 || grid[grid.length - 1] != 1.0) {
            throw new IllegalArgumentException("model profile " + source + ": massGrid must end at 1");
        }
        if (curve.length != layers) {
            throw new IllegalArgumentException("model profile " + source + ": massCurve has " + curve.length
                    + " entries but the model has " + layers + " layers");
        }
        for (int l = 0; l < layers; l++) {
            if (curve[l].length != heads) {
                throw new IllegalArgumentException("model profile " + source + ": massCurve[" + l + "] has "
                        + curve[l].length + " entries but the model has " + heads + " query heads");
            }
            for (int h = 0; h < heads; h++) {
                if (curve[l][h].length != grid.length) {
                    throw new IllegalArgumentException("model profile " + source + ": massCurve[" + l + "][" + h
                            + "] has " + curve[l][h].length + " entries but massGrid has " + grid.length);
                }
                for (int i = 0; i < grid.length; i++) {
                    double m = curve[l][h][i];
                    if (!(m >= 0 && m <= 1)) {
                        throw new IllegalArgumentException("model profile " + source + ": massCurve[" + l + "][" + h
                                + "][" + i + "] = " + m + " is outside [0, 1]");
                    }
                }
            }
        }
    }

    /**
     * Ratios with mean {@code r} that keep the most mass: from {@code grid[0]} for every head, the budget goes in
     * steps of 0.0025 to the head whose (linearly interpolated) curve gains most per step. The calibration's own
     * allocation ({@code dev.shadowattn.host.calibrate.MassAllocation}; the modules share no code).
     */
    public double[][] allocate(double r) {
        if (!(r >= grid[0] && r <= 1)) {
            throw new IllegalArgumentException("keep ratio " + r + " is below the profile's smallest mass ratio "
                    + grid[0]);
        }
        int layers = curve.length;
        int heads = curve[0].length;
        double[][] ratios = new double[layers][heads];
        for (double[] row : ratios) {
            java.util.Arrays.fill(row, grid[0]);
        }
        double left = (r - grid[0]) * layers * heads;
        while (left > 1e-12) {
            int bl = -1;
            int bh = -1;
            double best = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    double step = Math.min(Math.min(0.0025, left), 1.0 - ratios[l][h]);
                    if (step > 0) {
                        double gain = (mass(l, h, ratios[l][h] + step) - mass(l, h, ratios[l][h])) / step;
                        if (gain > best) {
                            best = gain;
                            bl = l;
                            bh = h;
                        }
                    }
                }
            }
            double step = Math.min(Math.min(0.0025, left), 1.0 - ratios[bl][bh]);
            ratios[bl][bh] += step;
            left -= step;
        }
        return ratios;
    }

    private double mass(int l, int h, double x) {
        double[] c = curve[l][h];
        if (x <= grid[0]) {
            return c[0];
        }
        for (int i = 1; i < grid.length; i++) {
            if (x <= grid[i]) {
                return c[i - 1] + (x - grid[i - 1]) / (grid[i] - grid[i - 1]) * (c[i] - c[i - 1]);
            }
        }
        return c[grid.length - 1];
    }
}
