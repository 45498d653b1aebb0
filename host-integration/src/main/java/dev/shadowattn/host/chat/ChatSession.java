package dev.shadowattn.host.chat;

import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.gguf.tokenizer.StreamingDecoder;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sampler;
import dev.shadowattn.host.engine.Sequence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A conversation with a model: one {@link Sequence} holding the system prompt and the turns so far, extended turn by
 * turn. Not thread-safe.
 *
 * <p>History. The sequence always holds exactly {@code prefix + turns}: the prefix is BOS and the system message,
 * each turn is a user message with the generation prompt, the generated answer, and the template's closing of the
 * answer (whatever token ended it), so the history is what the template would render for the whole conversation.
 *
 * <p>Context. Before a message is sent, room is made for it and for some answer ({@code min(maxTokens, context/4)}
 * tokens): if the sequence would overflow, the oldest turns are dropped (the prefix is kept): the sequence is
 * truncated to the prefix and the remaining turns are evaluated again. A message that cannot fit even alone is
 * refused; an answer that reaches the end of the context is cut there. Both are reported to the
 * {@link Listener}, as is every batch of tokens fed to the model.
 */
public final class ChatSession implements AutoCloseable {

    /** Why an answer ended. */
    public enum End {
        /** The model produced an end-of-turn token. */
        END_OF_TURN,
        /** The answer reached the per-answer token limit. */
        MAX_TOKENS,
        /** The caller asked to stop (Ctrl-C). */
        INTERRUPTED,
        /** The context is full. */
        CONTEXT_FULL,
        /** The message did not fit the context; nothing was generated. */
        REFUSED
    }

    /** One answer: its tokens, text and why it ended. */
    public record Reply(int[] tokens, String text, End end) {
    }

    /** Observes the conversation: tokens fed to the model, and notices for the user (overflow handling). */
    public interface Listener {
        /** A batch of prompt tokens (not generated ones) about to be evaluated. */
        default void fed(int[] tokens) {
        }

        /** Something the user should be told, e.g. that old turns were dropped. */
        default void notice(String message) {
        }
    }

    /** Counters since the session started. */
    public record Stats(long promptTokens, long promptNanos, long generatedTokens, long generationNanos,
                        int position, int contextSize, String backend, AttentionStats attention) {

        public double promptTokensPerSecond() {
            return promptNanos == 0 ? 0 : promptTokens / (promptNanos / 1e9);
        }

        public double generatedTokensPerSecond() {
            return generationNanos == 0 ? 0 : generatedTokens / (generationNanos / 1e9);
        }
    }

    private final Engine engine;
    private final Sequence sequence;
    private final ChatFormat format;
    private final Sampler sampler;
    private final int maxTokens;
    private final Listener listener;
    private final int[] prefix;
    private final List<int[]> turns = new ArrayList<>();
    private float[] logits;   // after the last evaluated token, null before any
    private long promptTokens, promptNanos, generatedTokens, generationNanos;

    /**
     * @param system    the system prompt, or null for none
     * @param maxTokens the most tokens of one answer
     * @throws IllegalArgumentException if the system prompt leaves no room in the context
     */
    public ChatSession(Engine engine, ChatFormat format, Sampler sampler, String system, int maxTokens, Listener listener) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens per answer must be >= 1, got " + maxTokens);
        }
        this.engine = Objects.requireNonNull(engine, "engine");
        this.format = Objects.requireNonNull(format, "format");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.maxTokens = maxTokens;
        this.listener = listener == null ? new Listener() { } : listener;
        this.prefix = format.start(system);
        if (prefix.length + minimumAnswerRoom() > engine.contextSize()) {
            throw new IllegalArgumentException("the system prompt (" + prefix.length + " tokens) leaves no room in the context of "
                    + engine.contextSize() + " tokens");
        }
        this.sequence = engine.newSequence();
        try {
            feed(prefix);
        } catch (RuntimeException e) {
            sequence.close();
            throw e;
        }
    }

    public ChatFormat format() {
        return format;
    }

    /** Turns in the history. */
    public int turns() {
        return turns.size();
    }

    /** Positions the sequence holds. */
    public int position() {
        return sequence.position();
    }

    /**
     * Sends a user message and generates the answer, handing its text to {@code text} piece by piece as it is
     * generated; {@code stop} is polled before each token.
     */
    public Reply send(String message, Consumer<String> text, BooleanSupplier stop) {
        int[] user = format.userTurn(message);
        int[] close = format.assistantEnd();
        int context = engine.contextSize();
        int drop = turnsToDrop(user.length + Math.max(Math.min(maxTokens, context / 4), minimumAnswerRoom()));
        if (drop < 0) {
            drop = turnsToDrop(user.length + minimumAnswerRoom());
        }
        if (drop < 0) {
            listener.notice("the message (" + user.length + " tokens with its markup) does not fit the context of "
                    + context + " tokens" + (prefix.length > 0 ? " after the system prompt (" + prefix.length + " tokens)" : "")
                    + "; not sent");
            return new Reply(new int[0], "", End.REFUSED);
        }
        if (drop > 0) {
            dropOldest(drop);
        }
        feed(user);
        if (logits == null) {
            listener.notice("nothing to answer: the conversation is empty");
            return new Reply(new int[0], "", End.REFUSED);
        }

        long t0 = System.nanoTime();
        StreamingDecoder decoder = format.tokenizer().streamingDecoder(user.length > 0 ? user[user.length - 1] : -1);
        StringBuilder answer = new StringBuilder();
        int[] generated = new int[16];
        int n = 0;
        End end;
        while (true) {
            if (stop.getAsBoolean()) {
                end = End.INTERRUPTED;
                break;
            }
            int token = sampler.sample(logits);
            if (format.endsTurn(token)) {
                end = End.END_OF_TURN;
                break;
            }
            if (sequence.position() + 1 + close.length > context) {
                listener.notice("the context of " + context + " tokens is full: answer cut");
                end = End.CONTEXT_FULL;
                break;
            }
            String piece = decoder.accept(token);
            answer.append(piece);
            text.accept(piece);
            logits = sequence.ingest(new int[] {token});
            if (n == generated.length) {
                generated = Arrays.copyOf(generated, 2 * n);
            }
            generated[n++] = token;
            if (n == maxTokens) {
                end = End.MAX_TOKENS;
                break;
            }
        }
        String rest = decoder.flush();
        answer.append(rest);
        text.accept(rest);
        generatedTokens += n;
        generationNanos += System.nanoTime() - t0;

        feed(close);
        int[] turn = new int[user.length + n + close.length];
        System.arraycopy(user, 0, turn, 0, user.length);
        System.arraycopy(generated, 0, turn, user.length, n);
        System.arraycopy(close, 0, turn, user.length + n, close.length);
        turns.add(turn);
        return new Reply(Arrays.copyOf(generated, n), answer.toString(), end);
    }

    /** Forgets every turn, keeping the system prompt. */
    public void reset() {
        turns.clear();
        rewindToPrefix();
    }

    /**
     * Truncates the sequence to the prefix. Its last token is evaluated again: the logits after the prefix are
     * needed if the next message renders to no tokens (plain template, empty line).
     */
    private void rewindToPrefix() {
        logits = null;
        sequence.truncate(Math.max(0, prefix.length - 1));
        if (prefix.length > 0) {
            feed(new int[] {prefix[prefix.length - 1]});
        }
    }

    public Stats stats() {
        return new Stats(promptTokens, promptNanos, generatedTokens, generationNanos, sequence.position(),
                engine.contextSize(), engine.backend().describe(), sequence.attention().stats());
    }

    /** Room kept for an answer at the least: one token and the closing markup. */
    private int minimumAnswerRoom() {
        return 1 + format.assistantEnd().length;
    }

    /**
     * How many of the oldest turns must go for {@code needed} more positions to fit: 0 if they fit now, -1 if they
     * do not fit even after the prefix alone.
     */
    private int turnsToDrop(int needed) {
        int context = engine.contextSize();
        int length = sequence.position();
        int drop = 0;
        while (length + needed > context) {
            if (drop == turns.size()) {
                return -1;
            }
            length -= turns.get(drop++).length;
        }
        return drop;
    }

    private void dropOldest(int count) {
        turns.subList(0, count).clear();
        rewindToPrefix();
        listener.notice("the context of " + engine.contextSize() + " tokens is full: dropped the oldest "
                + (count == 1 ? "turn" : count + " turns") + " (system prompt kept)");
        int length = turns.stream().mapToInt(t -> t.length).sum();
        if (length > 0) {
            int[] all = new int[length];
            int p = 0;
            for (int[] t : turns) {
                System.arraycopy(t, 0, all, p, t.length);
                p += t.length;
            }
            feed(all);
        }
    }

    /** Evaluates prompt tokens, keeping the logits after the last one. */
    private void feed(int[] tokens) {
        if (tokens.length == 0) {
            return;
        }
        listener.fed(tokens.clone());
        long t0 = System.nanoTime();
        logits = sequence.ingest(tokens);
        promptNanos += System.nanoTime() - t0;
        promptTokens += tokens.length;
    }

    @Override
    public void close() {
        sequence.close();
    }
}
