package dev.shadowattn.plugin;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.attention.AttentionPlan;
import dev.shadowattn.plugin.config.Mode;
import dev.shadowattn.plugin.config.ScaleMode;
import dev.shadowattn.plugin.config.ShadowAttnConfig;
import dev.shadowattn.plugin.config.Sharing;
import dev.shadowattn.plugin.exec.WorkerPool;
import dev.shadowattn.plugin.pipeline.HeadPipeline;
import dev.shadowattn.plugin.pipeline.PipelineMode;
import dev.shadowattn.plugin.pipeline.PipelineOptions;
import dev.shadowattn.plugin.pipeline.StageCostsFile;
import dev.shadowattn.plugin.kernel.AttentionKernels;
import dev.shadowattn.plugin.kernel.KernelProvider;
import dev.shadowattn.plugin.profile.KeepRatios;
import dev.shadowattn.plugin.profile.ModelProfile;
import dev.shadowattn.plugin.profile.ModelProfileJson;
import dev.shadowattn.plugin.profile.ScaleGrid;
import dev.shadowattn.plugin.qnn.ScoringDeviceFactory;
import dev.shadowattn.plugin.scoring.CpuScoringDevice;
import dev.shadowattn.plugin.scoring.ScoringDevice;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Turns options, a geometry and an optional model profile into an {@link AttentionPlan}. */
final class PlanResolver {

    /** Suffix of a profile stored beside the model ({@code model.gguf} -> {@code model.gguf.shadowattn.json}). */
    static final String PROFILE_SUFFIX = ".shadowattn.json";

    private PlanResolver() {
    }

    static ShadowAttnBackend create(AttentionGeometry g, AttentionOptions options, ModelProfile given,
                                    PrintStream notices) {
        ShadowAttnConfig cfg = ShadowAttnConfig.parse(options);
        ModelProfile profile = given != null ? given : findProfile(cfg, options);
        if (profile != null) {
            profile.validate(g);
            options.get(AttentionOptions.MODEL_PATH).ifPresent(m -> profile.checkModelFile(Path.of(m)));
        }
        double[][] ratios = ratios(g, cfg, profile);
        ScaleMode scales = scales(cfg, profile);
        float[][] qScale = null;
        float[][] kScale = null;
        if (scales == ScaleMode.STATIC) {
            qScale = ScaleGrid.snap(profile.qScale());
            kScale = ScaleGrid.snap(profile.kScale());
        }
        if (Boolean.TRUE.equals(cfg.kMean()) && scales == ScaleMode.STATIC) {
            throw new IllegalArgumentException("backend option kmean=true needs scales=dynamic (static scales are "
                    + "calibrated on K itself)");
        }
        boolean kMean = cfg.kMean() != null ? cfg.kMean() : scales == ScaleMode.DYNAMIC;
        AttentionKernels kernels = KernelProvider.forHeadDim(g.headDim(), cfg.kernels());
        int threads = cfg.threads() > 0 ? cfg.threads()
                : options.getInt(AttentionOptions.THREADS, Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new IllegalArgumentException("option " + AttentionOptions.THREADS + "=" + threads
                    + " must be at least 1");
        }
        ScoringDevice device = ScoringDeviceFactory.create(cfg.scorer(), options, scales == ScaleMode.STATIC,
                ScoringDeviceFactory.profileId(options, qScale, kScale), () -> new CpuScoringDevice(kernels), notices);
        if (device.requiresStaticScales() && scales != ScaleMode.STATIC) {
            device.close();
            throw new IllegalArgumentException("scorer " + device.name() + " needs static scales from a model "
                    + "profile (scales=static)");
        }
        if (profile == null || !profile.hasRatios()) {
            notices.println("shadowattn: no calibrated model profile; using " + scales.key()
                    + " scales and a uniform keep ratio of " + (Double.isNaN(cfg.ratio())
                    ? ShadowAttnConfig.DEFAULT_RATIO : cfg.ratio()));
        } else if (!perHeadSelection(cfg)) {
            notices.printf(java.util.Locale.ROOT, "shadowattn: the profile's per-head ratios are calibrated for per-head"
                    + " key selection (share=head block=1, as mode=faithful); with share=%s block=%d a uniform keep "
                    + "ratio of %.3f is used%n", cfg.sharing().key(), cfg.block(), ratios[0][0]);
        }
        PipelineOptions pipe = PipelineOptions.parse(options);
        double mean = Arrays.stream(ratios).flatMapToDouble(Arrays::stream).average().orElse(0);
        String settings = cfg.describe(mean, scales, kMean, kernels.name(), threads)
                + (pipe.mode() != PipelineMode.OFF ? " pipeline=" + pipe.mode().key() + " cpu-threads="
                + pipe.effectiveCpuThreads() : "");
        HeadPipeline pipeline = pipe.mode() == PipelineMode.OFF ? null
                : new HeadPipeline(pipe.mode(), pipe.effectiveCpuThreads(), costsFile(cfg, options, pipe,
                settings + " scorer=" + device.name(), notices));
        AttentionPlan plan = new AttentionPlan(g, cfg, ratios, scales, qScale, kScale, kMean, kernels, device,
                new WorkerPool(threads), pipeline);
        String description = settings + (profile != null ? " profile=" + profile.source() : "");
        return new ShadowAttnBackend(plan, description);
    }

    /**
     * Where the pipeline's stage costs are stored: beside the profile file ({@code profile=PATH}, else the one
     * beside the model), for the model of option {@link AttentionOptions#MODEL_PATH}; null without a model, or with
     * {@code pipeline.costs=off}.
     */
    private static StageCostsFile costsFile(ShadowAttnConfig cfg, AttentionOptions options, PipelineOptions pipe,
                                            String config, PrintStream notices) {
        String model = options.get(AttentionOptions.MODEL_PATH).orElse(null);
        String id = model == null || !pipe.storeCosts() ? null : StageCostsFile.modelId(Path.of(model));
        if (id == null) {
            return null;
        }
        Path profile = cfg.profile() != null && !"none".equals(cfg.profile()) ? Path.of(cfg.profile())
                : besideModel(model);
        return new StageCostsFile(profile.resolveSibling(profile.getFileName() + StageCostsFile.SUFFIX), id, config,
                notices);
    }

    private static ModelProfile findProfile(ShadowAttnConfig cfg, AttentionOptions options) {
        String p = cfg.profile();
        if ("none".equals(p)) {
            return null;
        }
        if (p != null) {
            Path path = Path.of(p);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("backend option profile=" + p + ": no such file");
            }
            return ModelProfileJson.read(path);
        }
        return options.get(AttentionOptions.MODEL_PATH).map(PlanResolver::besideModel)
                .filter(Files::isRegularFile).map(ModelProfileJson::read).orElse(null);
    }

    /**
     * Whether each query head selects single keys on its own (share=head, block=1): the selection calibrated
     * per-head ratios are made for. With selections shared per KV head (the largest ratio of the group is used) and
     * coarse key blocks chosen by a weak estimator, low per-head ratios lose far more than they do under exact
     * per-head selection (docs/CALIBRATION.md).
     */
    static boolean perHeadSelection(ShadowAttnConfig cfg) {
        return cfg.sharing() == Sharing.HEAD && cfg.block() == 1;
    }

    static Path besideModel(String modelPath) {
        Path m = Path.of(modelPath);
        return m.resolveSibling(m.getFileName() + PROFILE_SUFFIX);
    }

    /**
     * Per-head ratios: the profile's, or when option {@code ratio} is given, allocated anew with that mean: for the
     * most attention mass over the profile's mass curves, else over its weights (its ratios when it has none), capped
     * at 1 with the overflow redistributed ({@link KeepRatios}); without a profile, uniform. The profile's ratios
     * are used only when every query head selects its own keys ({@link #perHeadSelection}): they are calibrated for
     * that (docs/CALIBRATION.md); shared block selection gets their mean, uniformly.
     */
    static double[][] ratios(AttentionGeometry g, ShadowAttnConfig cfg, ModelProfile profile) {
        double[][] r = new double[g.layers()][g.queryHeads()];
        if (profile != null && profile.hasRatios() && !perHeadSelection(cfg)) {
            double u = Double.isNaN(cfg.ratio())
                    ? Arrays.stream(profile.ratios()).flatMapToDouble(Arrays::stream).average().orElseThrow()
                    : cfg.ratio();
            for (double[] row : r) {
                Arrays.fill(row, u);
            }
        } else if (profile != null && profile.hasRatios()) {
            if (Double.isNaN(cfg.ratio())) {
                for (int l = 0; l < r.length; l++) {
                    r[l] = profile.ratios()[l].clone();
                }
            } else {
                r = profile.mass() != null ? profile.mass().allocate(cfg.ratio())
                        : KeepRatios.allocate(profile.weights() != null ? profile.weights() : profile.ratios(),
                        cfg.ratio());
            }
        } else {
            double u = Double.isNaN(cfg.ratio()) ? ShadowAttnConfig.DEFAULT_RATIO : cfg.ratio();
            for (double[] row : r) {
                Arrays.fill(row, u);
            }
        }
        return r;
    }

    private static ScaleMode scales(ShadowAttnConfig cfg, ModelProfile profile) {
        boolean have = profile != null && profile.hasScales();
        if (cfg.scales() == ScaleMode.STATIC && !have) {
            throw new IllegalArgumentException("backend option scales=static needs a model profile with qScale and "
                    + "kScale (option profile=PATH, or a " + PROFILE_SUFFIX + " file beside the model)");
        }
        if (cfg.scales() != null) {
            return cfg.scales();
        }
        return cfg.mode() == Mode.FAITHFUL && have ? ScaleMode.STATIC : ScaleMode.DYNAMIC;
    }
}
