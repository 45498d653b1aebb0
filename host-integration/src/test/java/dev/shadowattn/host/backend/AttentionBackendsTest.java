package dev.shadowattn.host.backend;

import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.engine.Sequence;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ServiceLoader discovery and selection of attention backends, and the engine going through the chosen one. */
class AttentionBackendsTest {

    @Test
    void discoversProvidersOnTheClassPath() {
        AttentionBackends b = AttentionBackends.discover();
        assertTrue(b.find("dense").isPresent(), "built-in dense provider");
        assertTrue(b.find("recording").isPresent(), "test provider registered in test resources");
        for (int i = 1; i < b.all().size(); i++) {
            assertTrue(b.all().get(i - 1).priority() >= b.all().get(i).priority(), "sorted by priority");
        }
    }

    @Test
    void selectsByNameThenPropertyThenPriority() {
        AttentionBackends b = AttentionBackends.discover();
        assertEquals("recording", b.select("recording").name());
        String old = System.getProperty(AttentionBackends.PROPERTY);
        try {
            System.setProperty(AttentionBackends.PROPERTY, "recording");
            assertEquals("recording", b.select(null).name());
            System.clearProperty(AttentionBackends.PROPERTY);
            AttentionProvider best = b.select(null);
            assertEquals(b.all().stream().filter(AttentionProvider::isAvailable).findFirst().orElseThrow(), best);
            assertTrue(best.priority() >= b.find("dense").orElseThrow().priority());
        } finally {
            if (old == null) {
                System.clearProperty(AttentionBackends.PROPERTY);
            } else {
                System.setProperty(AttentionBackends.PROPERTY, old);
            }
        }
    }

    @Test
    void unknownNameListsAvailableOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionBackends.discover().select("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("dense") && e.getMessage().contains("recording"),
                e.getMessage());
    }

    @Test
    void engineReachesAttentionOnlyThroughTheSelectedProvider() {
        try (Model model = HouseModel.load()) {
            int[] tokens = model.tokenizer().encode("It was a truth universally acknowledged", true);
            float[] viaDense;
            try (Engine e = HouseModel.engine(model, "dense", 256, 2); Sequence s = e.newSequence()) {
                viaDense = s.ingest(tokens);
            }
            long appends = RecordingProvider.APPENDS.get(), attends = RecordingProvider.ATTENDS.get();
            float[] viaRecording;
            try (Engine e = HouseModel.engine(model, "recording", 256, 2); Sequence s = e.newSequence()) {
                viaRecording = s.ingest(tokens);
                s.ingest(new int[]{argmax(viaRecording)});
            }
            int layers = model.config().layers();
            // one prefill chunk plus one decode step, each calling append and attend once per layer
            assertEquals(2L * layers, RecordingProvider.APPENDS.get() - appends);
            assertEquals(2L * layers, RecordingProvider.ATTENDS.get() - attends);
            assertArrayEquals(viaDense, viaRecording, "same attention, same logits");
        }
    }

    private static int argmax(float[] logits) {
        return dev.shadowattn.host.engine.Sampler.argmax(logits);
    }
}
