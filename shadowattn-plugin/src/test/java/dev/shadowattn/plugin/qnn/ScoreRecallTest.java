package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The precision cost of the static output scale (an HTP MatMul has no int32 output): recall of the top-20% key set
 * chosen from the requantized QNN scores against the set chosen from the exact int32 scores, per query row, on
 * structured synthetic attention data quantized with per-head static scales. Prints the table quoted in
 * docs/QNN.md and checks the calibrated settings keep the ranking.
 */
class ScoreRecallTest {

    private static final double KEEP = 0.2;

    /** Per-head static INT8 levels of one layer ({@code real = level * scale}, scale = max|x| / 127). */
    private record Quantized(byte[][] q, byte[][] k, int rows, int keys, int d) {
    }

    private static Quantized quantize(QkvData x) {
        int d = x.headDim();
        byte[][] q = new byte[x.queryHeads()][x.n() * d];
        byte[][] k = new byte[x.kvHeads()][x.n() * d];
        for (int h = 0; h < x.queryHeads(); h++) {
            float max = 0;
            for (int p = 0; p < x.n(); p++) {
                for (int c = 0; c < d; c++) {
                    max = Math.max(max, Math.abs(x.q()[(p * x.queryHeads() + h) * d + c]));
                }
            }
            for (int p = 0; p < x.n(); p++) {
                for (int c = 0; c < d; c++) {
                    q[h][p * d + c] = (byte) Math.round(x.q()[(p * x.queryHeads() + h) * d + c] / (max / 127f));
                }
            }
        }
        for (int h = 0; h < x.kvHeads(); h++) {
            float max = 0;
            for (int p = 0; p < x.n(); p++) {
                for (int c = 0; c < d; c++) {
                    max = Math.max(max, Math.abs(x.k()[(p * x.kvHeads() + h) * d + c]));
                }
            }
            for (int p = 0; p < x.n(); p++) {
                for (int c = 0; c < d; c++) {
                    k[h][p * d + c] = (byte) Math.round(x.k()[(p * x.kvHeads() + h) * d + c] / (max / 127f));
                }
            }
        }
        return new Quantized(q, k, x.n(), x.n(), d);
    }

    /** The exact top-k set of each causal row from 16 on ({@code keep = ceil(KEEP * visible)}). */
    private static List<java.util.Set<Integer>> exactTop(int[] exact, int n) {
        List<java.util.Set<Integer>> sets = new ArrayList<>();
        for (int r = 16; r < n; r++) {
            int visible = r + 1;
            float[] e = new float[visible];
            for (int j = 0; j < visible; j++) {
                e[j] = exact[r * n + j];
            }
            java.util.Set<Integer> s = new java.util.HashSet<>();
            for (int v : QnnScorerTest.topK(e, 0, visible, keep(visible))) {
                s.add(v);
            }
            sets.add(s);
        }
        return sets;
    }

    private static int keep(int visible) {
        return Math.max(1, (int) Math.ceil(KEEP * visible));
    }

    /** Recall of the top-k of {@code approx} against the exact sets, averaged over rows. */
    private static double recall(List<java.util.Set<Integer>> exactSets, float[] approx, int n) {
        double sum = 0;
        for (int r = 16; r < n; r++) {
            java.util.Set<Integer> s = exactSets.get(r - 16);
            int common = 0;
            for (int v : QnnScorerTest.topK(approx, r * n, r + 1, keep(r + 1))) {
                common += s.contains(v) ? 1 : 0;
            }
            sum += (double) common / s.size();
        }
        return sum / (n - 16);
    }

    @Test
    void recallOfRequantizedScoresAgainstExactInt32() {
        QkvData x = SyntheticQkv.generate(21, 4, 2, 64, 512);
        Quantized z = quantize(x);
        int n = z.rows();
        int d = z.d();
        List<List<java.util.Set<Integer>>> exact = new ArrayList<>();
        List<int[]> sample = new ArrayList<>();
        for (int h = 0; h < x.queryHeads(); h++) {
            int[] s = Int8Reference.scores(z.q()[h], z.k()[h / x.groupSize()], n, n, d);
            exact.add(exactTop(s, n));
            sample.add(java.util.Arrays.copyOf(s, 64 * n));
        }
        StringBuilder table = new StringBuilder("output  step policy            recall  (mean over " + x.queryHeads()
                + " heads, top " + (int) (KEEP * 100) + "%, " + n + " positions, d " + d + ")\n");
        double calibrated8 = 0;
        double calibrated16 = 0;
        try (QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()));
             QnnGraphManager gm = new QnnGraphManager(rt, QnnGraphManager.Options.noCache());
             Arena arena = Arena.ofConfined()) {
            for (QuantEncoding out : new QuantEncoding[] {QuantEncoding.U8, QuantEncoding.U16}) {
                QnnScorer scorer = new QnnScorer(gm, new QnnScorer.Config(new int[] {128}, new int[] {512},
                        new int[] {1}, QuantEncoding.U8, out));
                for (String policy : List.of("default", "calibrated", "q0.999", "q0.99", "q0.9")) {
                    double sum = 0;
                    for (int h = 0; h < x.queryHeads(); h++) {
                        double step = switch (policy) {
                            case "default" -> OutputCalibration.defaultStep(d, out);
                            case "calibrated" -> OutputCalibration.calibratedStep(sample.get(h), out);
                            default -> OutputCalibration.stepFromSample(sample.get(h),
                                    Double.parseDouble(policy.substring(1)), out);
                        };
                        float[] approx = new float[n * n];
                        scorer.score(new ScaleBucket(1f, 1f, step), d, n, n, List.of(new QnnScorer.HeadOperands(
                                Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, z.q()[h]), d, n),
                                Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, z.k()[h / x.groupSize()]), d, n), 0)),
                                approx);
                        sum += recall(exact.get(h), approx, n);
                    }
                    double r = sum / x.queryHeads();
                    table.append(String.format(Locale.ROOT, "%-6s  %-20s  %.4f%n", out, policy, r));
                    if (policy.equals("calibrated")) {
                        if (out == QuantEncoding.U8) {
                            calibrated8 = r;
                        } else {
                            calibrated16 = r;
                        }
                    }
                }
            }
        }
        System.out.print(table);
        assertTrue(calibrated16 > 0.995, "u16 calibrated recall " + calibrated16 + "\n" + table);
        assertTrue(calibrated8 > 0.97, "u8 calibrated recall " + calibrated8 + "\n" + table);
    }
}
