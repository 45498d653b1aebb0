package dev.shadowattn.host.calibrate;

/**
 * Keep ratios that maximise the attention mass kept ({@link AttentionMass}) for a global ratio: starting from the
 * smallest grid ratio for every head, the budget is handed out in steps of {@link #STEP} to the head whose mass
 * gains most from it (curves interpolated linearly between grid points), until the mean ratio is exactly the global
 * one. With concave curves (diminishing returns) this greedy allocation is optimal for the piecewise-linear curves.
 * Uniform ratios are one feasible allocation, so the mean kept mass is never below theirs. The plug-in repeats it
 * from the profile's {@code massCurve} for other global ratios ({@code dev.shadowattn.plugin.profile.KeepRatios}).
 */
public final class MassAllocation {

    /** Ratio handed out per step. */
    public static final double STEP = 0.0025;

    private MassAllocation() {
    }

    /**
     * @param grid   ascending ratios, the last 1
     * @param curves kept mass per layer, head and grid ratio
     * @param r      global keep ratio in [grid[0], 1]
     */
    public static double[][] allocate(double[] grid, double[][][] curves, double r) {
        if (!(r >= grid[0] && r <= 1)) {
            throw new IllegalArgumentException("global keep ratio " + r + " is outside [" + grid[0] + ", 1]");
        }
        int layers = curves.length;
        int heads = curves[0].length;
        int n = layers * heads;
        double[][] ratios = new double[layers][heads];
        for (double[] row : ratios) {
            java.util.Arrays.fill(row, grid[0]);
        }
        double left = (r - grid[0]) * n;
        while (left > 1e-12) {
            int bl = -1;
            int bh = -1;
            double best = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    double step = Math.min(Math.min(STEP, left), 1.0 - ratios[l][h]);
                    if (step <= 0) {
                        continue;
                    }
                    double gain = (mass(grid, curves[l][h], ratios[l][h] + step)
                            - mass(grid, curves[l][h], ratios[l][h])) / step;
                    if (gain > best) {
                        best = gain;
                        bl = l;
                        bh = h;
                    }
                }
            }
            double step = Math.min(Math.min(STEP, left), 1.0 - ratios[bl][bh]);
            ratios[bl][bh] += step;
            left -= step;
        }
        return ratios;
    }

    /** The curve at ratio {@code x}, linear between grid points. */
    static double mass(double[] grid, double[] curve, double x) {
        if (x <= grid[0]) {
            return curve[0];
        }
        for (int i = 1; i < grid.length; i++) {
            if (x <= grid[i]) {
                double t = (x - grid[i - 1]) / (grid[i] - grid[i - 1]);
                return curve[i - 1] + t * (curve[i] - curve[i - 1]);
            }
        }
        return curve[grid.length - 1];
    }
}
