package dev.shadowattn.host.compare;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Progress of a long run as lines {@code [step/steps, elapsed, ~remaining] message}. Steps carry a weight (their
 * expected cost, e.g. tokens evaluated) so the remaining-time estimate holds when later steps are larger.
 */
final class ProgressMeter {

    private final Consumer<String> out;
    private final int steps;
    private final double totalWeight;
    private final long start = System.nanoTime();
    private int done;
    private double doneWeight;

    ProgressMeter(int steps, double totalWeight, Consumer<String> out) {
        this.steps = steps;
        this.totalWeight = totalWeight;
        this.out = out;
    }

    /** Records a finished step of {@code weight} and prints {@code message} with the progress. */
    void step(double weight, String message) {
        done++;
        doneWeight += weight;
        double elapsed = (System.nanoTime() - start) / 1e9;
        String left = "";
        if (done < steps && doneWeight > 0) {
            left = ", ~" + duration(elapsed * (totalWeight - doneWeight) / doneWeight) + " left";
        }
        out.accept(String.format(Locale.ROOT, "[%d/%d %s%s] %s", done, steps, duration(elapsed), left, message));
    }

    /** {@code 42s}, {@code 3m05s}, {@code 1h02m}. */
    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
