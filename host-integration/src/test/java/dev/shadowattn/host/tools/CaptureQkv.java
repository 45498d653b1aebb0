package dev.shadowattn.host.tools;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.backend.RecordingProvider;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.engine.Sequence;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Captures real post-RoPE Q, K and V of the house model on Persuasion, for the shadowAttn plug-in's quality tests
 * (which must not depend on the engine). Run from the module directory with the test class path:
 * {@code java -cp ... dev.shadowattn.host.tools.CaptureQkv OUT_DIR N LAYER...}.
 *
 * <p>File format (little-endian): int32 magic 0x31564B51 ("QKV1"), int32 queryHeads, kvHeads, headDim, n, then
 * float32 q[n][queryHeads][headDim], k[n][kvHeads][headDim], v[n][kvHeads][headDim].
 */
public final class CaptureQkv {

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        int[] layers = Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray();
        String text = Files.readString(Path.of("src/test/resources/data/persuasion.txt"), StandardCharsets.UTF_8);
        try (Model model = HouseModel.load(); Engine engine = HouseModel.engine(model, "recording", n, 2)) {
            var c = model.config();
            int[] all = model.tokenizer().encode(text, true);
            // Start in the middle of the book so the window is ordinary prose; BOS first, as in perplexity.
            int[] tokens = Arrays.copyOfRange(all, 20000, 20000 + n);
            tokens[0] = model.tokenizer().bos();
            float[][] q = new float[c.layers()][n * c.qDim()];
            float[][] k = new float[c.layers()][n * c.kvDim()];
            float[][] v = new float[c.layers()][n * c.kvDim()];
            RecordingProvider.listen(call -> {
                switch (call) {
                    case RecordingProvider.AttendCall a -> System.arraycopy(a.q(), 0, q[a.layer()], a.pos() * c.qDim(), a.n() * c.qDim());
                    case RecordingProvider.AppendCall a -> {
                        System.arraycopy(a.k(), 0, k[a.layer()], a.pos() * c.kvDim(), a.n() * c.kvDim());
                        System.arraycopy(a.v(), 0, v[a.layer()], a.pos() * c.kvDim(), a.n() * c.kvDim());
                    }
                    default -> throw new IllegalStateException();
                }
            });
            try (Sequence s = engine.newSequence()) {
                s.ingest(tokens);
            } finally {
                RecordingProvider.listen(null);
            }
            Files.createDirectories(out);
            for (int l : layers) {
                Path file = out.resolve("house-L" + l + ".qkv");
                ByteBuffer header = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(0x31564B51).putInt(c.heads()).putInt(c.kvHeads()).putInt(c.headDim()).putInt(n);
                ByteBuffer body = ByteBuffer.allocate(4 * (q[l].length + k[l].length + v[l].length)).order(ByteOrder.LITTLE_ENDIAN);
                body.asFloatBuffer().put(q[l]).put(k[l]).put(v[l]);
                try (DataOutputStream os = new DataOutputStream(Files.newOutputStream(file))) {
                    os.write(header.array());
                    os.write(body.array());
                }
                System.out.println("wrote " + file + " (" + Files.size(file) + " bytes)");
            }
        }
    }
}
