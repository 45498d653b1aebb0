package dev.shadowattn.host.chat;

import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.gguf.tokenizer.Tokenizer;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The turn formats a chat can be laid out in. A template renders markup around each message as {@link Markup}:
 * special tokens, named by their text, and plain text, which the message content always is, so that special-token
 * texts a user types stay text (the model's Jinja {@code tokenizer.chat_template} is not interpreted; it only
 * selects the format, see {@link #detect}).
 *
 * <p>Formats, with the Jinja templates they follow:
 * <ul>
 *   <li>{@link #LLAMA3}: {@code <|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>} (Llama 3.x; the
 *       dated system preamble of the 3.1+ templates is not added);</li>
 *   <li>{@link #CHATML}: {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n} (Qwen2, Qwen2.5, Qwen3);</li>
 *   <li>{@link #PLAIN}: no markup: the model continues the text, a line break between turns (models without a
 *       chat template, like the house model).</li>
 * </ul>
 * Every conversation starts with BOS when the tokenizer asks for it ({@code add_bos_token}).
 */
public enum ChatTemplate {

    LLAMA3("Llama 3 headers", List.of("<|eot_id|>", "<|eom_id|>")) {
        @Override
        void message(String role, String content, Markup m) {
            header(role, m);
            m.text(content).special("<|eot_id|>");
        }

        @Override
        void assistantStart(Markup m) {
            header("assistant", m);
        }

        private void header(String role, Markup m) {
            m.special("<|start_header_id|>").text(role).special("<|end_header_id|>").text("\n\n");
        }

        @Override
        void assistantEnd(Markup m) {
            m.special("<|eot_id|>");
        }
    },

    CHATML("ChatML", List.of("<|im_end|>")) {
        @Override
        void message(String role, String content, Markup m) {
            m.special("<|im_start|>").text(role + "\n" + content).special("<|im_end|>").text("\n");
        }

        @Override
        void assistantStart(Markup m) {
            m.special("<|im_start|>").text("assistant\n");
        }

        @Override
        void assistantEnd(Markup m) {
            m.special("<|im_end|>").text("\n");
        }

        /** The literal system message the template inserts when the conversation has none (Qwen2, Qwen2.5). */
        @Override
        Optional<String> defaultSystemPrompt(String jinja) {
            Matcher m = DEFAULT_CHATML_SYSTEM.matcher(jinja);
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    },

    PLAIN("plain continuation", List.of()) {
        @Override
        void message(String role, String content, Markup m) {
            m.text(role.equals("system") ? content + "\n\n" : content);
        }

        @Override
        void assistantStart(Markup m) {
        }

        @Override
        void assistantEnd(Markup m) {
            m.text("\n");
        }
    };

    /**
     * In a ChatML Jinja template, a system message written out literally: {@code <|im_start|>system}, a line break
     * (a real one or the escape {@code \n}), then text free of Jinja and quotes up to {@code <|im_end|>}.
     */
    private static final Pattern DEFAULT_CHATML_SYSTEM =
            Pattern.compile("<\\|im_start\\|>system(?:\\n|\\\\n)([^{}'\"<\\\\]+)<\\|im_end\\|>");

    private final String description;
    private final List<String> endOfTurn;

    ChatTemplate(String description, List<String> endOfTurn) {
        this.description = description;
        this.endOfTurn = endOfTurn;
    }

    public String description() {
        return description;
    }

    /** Appends a whole message of {@code role} ({@code system}, {@code user}, {@code assistant}). */
    abstract void message(String role, String content, Markup m);

    /** Appends what precedes the assistant's answer (the generation prompt). */
    abstract void assistantStart(Markup m);

    /** Appends what closes the assistant's answer, whatever token ended its generation. */
    abstract void assistantEnd(Markup m);

    /** Texts of the special tokens that end an assistant turn besides EOS (those the vocabulary has count). */
    List<String> endOfTurnTokens() {
        return endOfTurn;
    }

    /** The system prompt the model's Jinja template uses when the conversation has none. */
    Optional<String> defaultSystemPrompt(String jinja) {
        return Optional.empty();
    }

    /**
     * The format of a model: from its Jinja chat template when it has one (the markup tokens it writes), else from
     * the special tokens of its vocabulary, else {@link #PLAIN}.
     */
    public static ChatTemplate detect(Tokenizer tokenizer, SpecialTokens special) {
        Optional<String> jinja = tokenizer.chatTemplate();
        if (jinja.isPresent()) {
            if (jinja.get().contains("<|start_header_id|>")) {
                return LLAMA3;
            }
            if (jinja.get().contains("<|im_start|>")) {
                return CHATML;
            }
        }
        if (special.find("<|start_header_id|>").isPresent() && special.find("<|eot_id|>").isPresent()) {
            return LLAMA3;
        }
        if (special.find("<|im_start|>").isPresent() && special.find("<|im_end|>").isPresent()) {
            return CHATML;
        }
        return PLAIN;
    }

    /** A template by name ({@code llama3}, {@code chatml}, {@code plain}), for overriding detection. */
    public static ChatTemplate named(String name) {
        for (ChatTemplate t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown chat template '" + name + "'; known: llama3, chatml, plain");
    }
}
