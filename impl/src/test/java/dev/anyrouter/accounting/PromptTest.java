package dev.anyrouter.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.json.Json;
import org.junit.jupiter.api.Test;

/** A prompt is counted once per encoding, and lets its request go once the serving model is settled and counted. */
class PromptTest {

    private static final TokenCounter O200K = TokenCounter.forModel("gpt-4o");
    private static final TokenCounter CL100K = TokenCounter.forModel("gpt-4");

    private static ObjectNode request() {
        return (ObjectNode) Json.read("{\"model\":\"openai/gpt-4o\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Hello there, how are you today?\"}]}");
    }

    @Test
    void isCountedOncePerEncoding() {
        ObjectNode request = request();
        Prompt prompt = new Prompt(ClientApi.CHAT_COMPLETIONS, request);
        long counted = prompt.tokens(O200K);
        assertThat(counted).isEqualTo(O200K.prompt(ClientApi.CHAT_COMPLETIONS, request));

        // A count that were made again would see the change; the first one stands.
        ((ObjectNode) request.path("messages").get(0)).put("content", "a much longer text ".repeat(20));
        assertThat(prompt.tokens(O200K)).isEqualTo(counted);
        // A fallback's model with another encoding is counted anew.
        assertThat(prompt.tokens(CL100K)).isEqualTo(CL100K.prompt(ClientApi.CHAT_COMPLETIONS, request));
    }

    @Test
    void letsTheRequestGoOnceSettledAndCounted() {
        Prompt prompt = new Prompt(ClientApi.CHAT_COMPLETIONS, request());
        long counted = prompt.tokens(O200K);
        prompt.settle();
        assertThat(prompt.tokens(O200K)).isEqualTo(counted);
        assertThatThrownBy(() -> prompt.tokens(CL100K)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keepsTheRequestWhileAFallbackMayStillServe() {
        JsonNode request = request();
        Prompt prompt = new Prompt(ClientApi.CHAT_COMPLETIONS, request);
        prompt.tokens(O200K);
        assertThat(prompt.tokens(CL100K)).isEqualTo(CL100K.prompt(ClientApi.CHAT_COMPLETIONS, request));
    }
}
