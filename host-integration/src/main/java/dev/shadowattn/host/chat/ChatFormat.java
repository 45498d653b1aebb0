package dev.shadowattn.host.chat;

import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.gguf.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A {@link ChatTemplate} bound to a model's tokenizer: the tokens of each part of a conversation, and the tokens
 * that end an assistant turn. Immutable.
 */
public final class ChatFormat {

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final SpecialTokens special;
    private final boolean parseSpecial;
    private final int[] endOfTurn;

    /** A format whose messages are always text. */
    public ChatFormat(ChatTemplate template, Tokenizer tokenizer, SpecialTokens special) {
        this(template, tokenizer, special, false);
    }

    /**
     * @param parseSpecial whether special-token texts typed in messages become those tokens (normally they stay
     *                     text, so that a user cannot forge markup by accident)
     */
    public ChatFormat(ChatTemplate template, Tokenizer tokenizer, SpecialTokens special, boolean parseSpecial) {
        this.template = Objects.requireNonNull(template, "template");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.special = Objects.requireNonNull(special, "special");
        this.parseSpecial = parseSpecial;
        IntStream ends = template.endOfTurnTokens().stream().map(special::find)
                .filter(o -> o.isPresent()).mapToInt(o -> o.getAsInt());
        this.endOfTurn = IntStream.concat(ends, tokenizer.eos() >= 0 ? IntStream.of(tokenizer.eos()) : IntStream.empty())
                .distinct().toArray();
        userTurn("");   // fails now, naming the token, if the vocabulary lacks the template's markup
    }

    /** The format detected from the model ({@link ChatTemplate#detect}). */
    public static ChatFormat detect(Tokenizer tokenizer) {
        SpecialTokens special = SpecialTokens.of(tokenizer);
        return new ChatFormat(ChatTemplate.detect(tokenizer, special), tokenizer, special);
    }

    public ChatTemplate template() {
        return template;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The system prompt of the model's own template when the user gives none (e.g. Qwen2.5's). */
    public Optional<String> defaultSystemPrompt() {
        return tokenizer.chatTemplate().flatMap(template::defaultSystemPrompt);
    }

    /** What starts a conversation: BOS if the model wants it, then the system message if {@code system} is not null. */
    public int[] start(String system) {
        Markup m = new Markup(tokenizer, special, parseSpecial);
        if (tokenizer.addBosToken() && tokenizer.bos() >= 0) {
            m.bos();
        }
        if (system != null) {
            template.message("system", system, m);
        }
        return m.tokens();
    }

    /** A user message followed by the generation prompt of the assistant. */
    public int[] userTurn(String content) {
        Markup m = new Markup(tokenizer, special, parseSpecial);
        template.message("user", content, m);
        template.assistantStart(m);
        return m.tokens();
    }

    /** What closes an assistant answer in the history. */
    public int[] assistantEnd() {
        Markup m = new Markup(tokenizer, special, parseSpecial);
        template.assistantEnd(m);
        return m.tokens();
    }

    /** Whether generating {@code token} ends the assistant's turn (EOS or the template's end-of-turn tokens). */
    public boolean endsTurn(int token) {
        for (int t : endOfTurn) {
            if (t == token) {
                return true;
            }
        }
        return false;
    }

    /** The tokens that end a turn. */
    public int[] endOfTurnTokens() {
        return endOfTurn.clone();
    }

    @Override
    public String toString() {
        return template.description() + ", turn ends " + Arrays.toString(endOfTurn);
    }
}
