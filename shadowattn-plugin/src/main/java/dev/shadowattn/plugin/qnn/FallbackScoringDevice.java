package dev.shadowattn.plugin.qnn;

import dev.shadowattn.plugin.scoring.ScoreRequest;
import dev.shadowattn.plugin.scoring.ScoringDevice;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A scoring device that keeps the engine running when its primary (the QNN device) fails: the first exception
 * prints one notice, the primary is abandoned and every later request (and the failed one) goes to the fallback
 * (the Java device). The two produce scores in the same real units.
 */
public final class FallbackScoringDevice implements ScoringDevice {

    private final ScoringDevice primary;
    private final ScoringDevice fallback;
    private final PrintStream notices;
    private final AtomicBoolean failed = new AtomicBoolean();

    public FallbackScoringDevice(ScoringDevice primary, ScoringDevice fallback, PrintStream notices) {
        this.primary = primary;
        this.fallback = fallback;
        this.notices = notices;
    }

    /** Whether the primary failed and the fallback is in use. */
    public boolean failedOver() {
        return failed.get();
    }

    public ScoringDevice primary() {
        return primary;
    }

    @Override
    public String name() {
        return failed.get() ? fallback.name() : primary.name();
    }

    @Override
    public boolean requiresStaticScales() {
        return primary.requiresStaticScales();
    }

    @Override
    public int preferredRows() {
        return failed.get() ? fallback.preferredRows() : primary.preferredRows();
    }

    @Override
    public void score(ScoreRequest request, float[] out, int outOff, int stride) {
        if (!failed.get()) {
            try {
                primary.score(request, out, outOff, stride);
                return;
            } catch (RuntimeException e) {
                failOver(e);
            }
        }
        fallback.score(request, out, outOff, stride);
    }

    @Override
    public void scoreMax(ScoreRequest request, float[] out, int outOff) {
        if (!failed.get()) {
            try {
                primary.scoreMax(request, out, outOff);
                return;
            } catch (RuntimeException e) {
                failOver(e);
            }
        }
        fallback.scoreMax(request, out, outOff);
    }

    private void failOver(RuntimeException e) {
        if (failed.compareAndSet(false, true)) {
            notices.println("shadowattn: scorer " + primary.name() + " failed (" + e.getMessage() + "); using the "
                    + fallback.name() + " scorer from now on");
        }
    }

    @Override
    public void close() {
        try {
            primary.close();
        } catch (RuntimeException e) {
            notices.println("shadowattn: closing scorer " + primary.name() + ": " + e.getMessage());
        } finally {
            fallback.close();
        }
    }
}
