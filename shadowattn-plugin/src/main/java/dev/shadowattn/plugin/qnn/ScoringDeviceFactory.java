package dev.shadowattn.plugin.qnn;

import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.scoring.ScoringDevice;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Chooses the INT8 scoring device for {@code --backend-opt scorer=NAME}:
 * <ul>
 *   <li>{@code cpu} (alias {@code java}): the Java Vector API device;</li>
 *   <li>{@code qnn}: the QNN device; it must open (a missing library or dynamic scales is a configuration error
 *       naming the option), and a QNN error later switches to the Java device with one notice;</li>
 *   <li>{@code auto}: the QNN device when {@code qnn.library} is given, scales are static and the library opens;
 *       otherwise the Java device, with a one-line notice saying why. Never fails.</li>
 * </ul>
 */
public final class ScoringDeviceFactory {

    /** Accepted values of the {@code scorer} option. */
    public static final Set<String> SCORERS = Set.of("cpu", "java", "qnn", "auto");

    private ScoringDeviceFactory() {
    }

    /** Fails naming the option unless {@code scorer} is one of {@link #SCORERS}. */
    public static String checkScorer(String scorer) {
        String s = scorer.toLowerCase(Locale.ROOT);
        if (!SCORERS.contains(s)) {
            throw new IllegalArgumentException("backend option scorer=" + scorer + " must be one of cpu (or java), "
                    + "qnn, auto");
        }
        return s;
    }

    /**
     * @param scorer       the {@code scorer} option value
     * @param options      all backend options (the {@code qnn.*} ones are read here)
     * @param staticScales whether the plan uses static scales (the QNN device needs them)
     * @param profileId    identifies the calibrated scales, for the graph cache ({@link #profileId})
     * @param javaDevice   makes the Java device
     * @param notices      where one-line notices go
     */
    public static ScoringDevice create(String scorer, AttentionOptions options, boolean staticScales, String profileId,
                                       Supplier<ScoringDevice> javaDevice, PrintStream notices) {
        String s = checkScorer(scorer);
        if (s.equals("cpu") || s.equals("java")) {
            return javaDevice.get();
        }
        QnnDeviceOptions qnn = QnnDeviceOptions.parse(options);
        if (s.equals("qnn")) {
            if (!staticScales) {
                throw new IllegalArgumentException("backend option scorer=qnn needs static scales from a model profile "
                        + "(scales=static): an NPU graph bakes its scales in");
            }
            QnnScoringDevice device;
            try {
                device = QnnScoringDevice.open(qnn, profileId, notices);
            } catch (QnnLibraryException | QnnException e) {
                throw new IllegalArgumentException("backend option scorer=qnn: " + e.getMessage(), e);
            }
            return new FallbackScoringDevice(device, javaDevice.get(), notices);
        }
        String why;
        if (qnn.library() == null) {
            why = "no qnn.library option";
        } else if (!staticScales) {
            why = "the QNN scorer needs static scales (a model profile with scales)";
        } else {
            try {
                return new FallbackScoringDevice(QnnScoringDevice.open(qnn, profileId, notices), javaDevice.get(),
                        notices);
            } catch (RuntimeException e) {
                why = e.getMessage();
            }
        }
        notices.println("shadowattn: scorer=auto: QNN not used (" + why + "); using the Java scorer");
        return javaDevice.get();
    }

    /**
     * A cache id for a set of static scales: the model name (when known) and a hash of the snapped scales, so a
     * recalibrated profile never reuses graphs baked with other scales.
     */
    public static String profileId(AttentionOptions options, float[][] qScale, float[][] kScale) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (float[][] table : new float[][][] {qScale, kScale}) {
                if (table == null) {
                    continue;
                }
                for (float[] row : table) {
                    ByteBuffer b = ByteBuffer.allocate(4 * row.length + 4).putInt(row.length);
                    for (float v : row) {
                        b.putFloat(v);
                    }
                    md.update(b.array());
                }
            }
            String given = options.getString(AttentionOptions.MODEL_NAME, "model");
            String name = given.isBlank() ? "model" : given;
            md.update(name.getBytes(StandardCharsets.UTF_8));
            return ContextBinaryCache.safeName(name) + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
