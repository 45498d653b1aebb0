package dev.shadowattn.plugin;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.plugin.attention.AttentionPlan;
import dev.shadowattn.plugin.attention.ShadowAttnSession;

/** The shadowAttn backend for one model geometry: a resolved {@link AttentionPlan} and the sessions it opens. */
public final class ShadowAttnBackend implements AttentionBackend {

    private final AttentionPlan plan;
    private final String description;

    ShadowAttnBackend(AttentionPlan plan, String description) {
        this.plan = plan;
        this.description = description;
    }

    @Override
    public String name() {
        return ShadowAttnProvider.NAME;
    }

    @Override
    public AttentionGeometry geometry() {
        return plan.geometry();
    }

    @Override
    public String describe() {
        return description;
    }

    /** The resolved configuration (for tests and benchmarks). */
    public AttentionPlan plan() {
        return plan;
    }

    @Override
    public AttentionSession openSession() {
        return new ShadowAttnSession(plan);
    }

    @Override
    public void close() {
        plan.pool().close();
        if (plan.pipeline() != null) {
            plan.pipeline().close();
        }
        plan.device().close();
    }
}
