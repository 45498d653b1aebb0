package dev.shadowattn.host.chat;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.engine.Sampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How answers end (stop request, token limit, full context) and what the history holds afterwards. */
class ChatSessionTest {

    static Model model;
    static ChatFormat format;

    @BeforeAll
    static void load() {
        model = HouseModel.load();
        format = ChatFormat.detect(model.tokenizer());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void stopRequestEndsTheAnswerAndClosesItInTheHistory() {
        try (Engine engine = HouseModel.engine(model, "dense", 256, 2);
             ChatSession chat = new ChatSession(engine, format, Sampler.greedy(), null, 100, null)) {
            AtomicInteger polls = new AtomicInteger();
            StringBuilder streamed = new StringBuilder();
            ChatSession.Reply r = chat.send("It was a fine day", streamed::append, () -> polls.incrementAndGet() > 3);
            assertEquals(ChatSession.End.INTERRUPTED, r.end());
            assertEquals(3, r.tokens().length, "three tokens before the stop was seen");
            assertEquals(r.text(), streamed.toString());
            int user = format.userTurn("It was a fine day").length;
            assertEquals(1 + user + 3 + format.assistantEnd().length, chat.position(), "BOS, message, answer, closing");
            assertEquals(1, chat.turns());

            ChatSession.Reply next = chat.send("Then", s -> { }, () -> false);
            assertTrue(next.tokens().length > 0);
            assertEquals(2, chat.turns());
            chat.reset();
            assertEquals(1, chat.position(), "only BOS after /reset");
            assertEquals(0, chat.turns());
        }
    }

    @Test
    void answersStopAtTheTokenLimitOrTheEndOfTheContext() {
        List<String> notices = new ArrayList<>();
        ChatSession.Listener listener = new ChatSession.Listener() {
            @Override
            public void notice(String message) {
                notices.add(message);
            }
        };
        try (Engine engine = HouseModel.engine(model, "dense", 32, 2);
             ChatSession chat = new ChatSession(engine, format, Sampler.greedy(), null, 5, listener)) {
            ChatSession.Reply r = chat.send("Anne", s -> { }, () -> false);
            assertEquals(ChatSession.End.MAX_TOKENS, r.end());
            assertEquals(5, r.tokens().length);
        }
        try (Engine engine = HouseModel.engine(model, "dense", 24, 2);
             ChatSession chat = new ChatSession(engine, format, Sampler.greedy(), null, 1000, listener)) {
            ChatSession.Reply r = chat.send("Anne", s -> { }, () -> false);
            assertEquals(ChatSession.End.CONTEXT_FULL, r.end());
            assertEquals(24, chat.position(), "filled to the last position, closing included");
            assertTrue(notices.getLast().contains("answer cut"), notices.toString());
            // The next message makes room by dropping the first turn.
            ChatSession.Reply next = chat.send("Then", s -> { }, () -> false);
            assertTrue(notices.stream().anyMatch(n -> n.contains("dropped the oldest turn")), notices.toString());
            assertEquals(1, chat.turns());
            assertTrue(chat.position() <= 24);
            assertTrue(next.tokens().length > 0);
        }
    }

    @Test
    void aSystemPromptThatLeavesNoRoomIsRefused() {
        try (Engine engine = HouseModel.engine(model, "dense", 8, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChatSession(engine, format,
                    Sampler.greedy(), "A very long system prompt that cannot fit in eight positions at all", 4, null));
            assertTrue(e.getMessage().contains("system prompt"), e.getMessage());
        }
    }
}
