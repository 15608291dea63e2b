package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.json.Json;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/messages/count_tokens} with the official anthropic-java SDK's {@code countTokens}: passed to an
 * Anthropic upstream, counted by the gateway's tokenizer for any other provider ({@code X-Token-Count} says which);
 * authenticated (with {@code x-api-key}, as the SDK sends it) and rate limited, and never billed.
 */
class CountTokensIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static AnthropicClient sdk(Gateway gateway, String key) {
        return AnthropicOkHttpClient.builder().apiKey(key).baseUrl(gateway.uri() + "api").maxRetries(0).build();
    }

    private static MessageCountTokensParams params(String model) {
        return MessageCountTokensParams.builder().model(model).system("Be brief.").addUserMessage("Count to 3")
                .build();
    }

    @Test
    void anAnthropicUpstreamCountsWithTheGatewaysKeyAndNothingIsBilled() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.againstAnthropic(upstream.root())) {
            upstream.script(x -> x.json(200, "{\"input_tokens\":17}"));

            HttpResponseFor<MessageTokensCount> response = sdk(gateway, Gateway.KEY)
                    .withOptions(options -> options.putHeader("anthropic-beta", "token-counting-2024-11-01"))
                    .messages().withRawResponse().countTokens(params("anthropic/claude-sonnet-4-5"));

            assertThat(response.parse().inputTokens()).isEqualTo(17);
            assertThat(response.headers().values("X-Token-Count")).containsExactly("upstream");
            ScriptedUpstream.Exchange sent = upstream.next();
            assertThat(sent.requestLine).isEqualTo("POST /v1/messages/count_tokens HTTP/1.1");
            assertThat(sent.headers.get("x-api-key")).isEqualTo(Gateway.UPSTREAM_KEY);
            assertThat(sent.headers.get("anthropic-version")).isEqualTo("2023-06-01");
            assertThat(sent.headers.get("anthropic-beta")).as("forwarded as to /messages")
                    .isEqualTo("token-counting-2024-11-01");
            assertThat(sent.rawHead).doesNotContain(Gateway.KEY);
            JsonNode body = JSON.readTree(sent.body);
            assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
            assertThat(body.path("system").asText()).isEqualTo("Be brief.");
            assertThat(body.has("max_tokens")).isFalse();
            assertThat(gateway.generationCount()).as("no generation, no ledger row").isZero();
        }
    }

    @Test
    void otherProvidersAreCountedLocallyWithTheTokenizer() {
        try (Gateway gateway = Gateway.offline()) {
            HttpResponseFor<MessageTokensCount> response = sdk(gateway, Gateway.KEY).messages().withRawResponse()
                    .countTokens(params("openai/gpt-4o"));

            long expected = TokenCounter.forModel("gpt-4o").prompt(ClientApi.MESSAGES, Json.read(
                    "{\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Count to 3\"}]}"));
            assertThat(response.parse().inputTokens()).isEqualTo(expected);
            assertThat(response.headers().values("X-Token-Count")).containsExactly("local");
            assertThat(gateway.generationCount()).isZero();
        }
    }

    @Test
    void theOfflineAnthropicModelsAreCountedByTheSimulator() {
        try (Gateway gateway = Gateway.offline()) {
            HttpResponseFor<MessageTokensCount> response = sdk(gateway, Gateway.KEY).messages().withRawResponse()
                    .countTokens(params("anthropic/claude-test"));

            Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
            assertThat(response.parse().inputTokens()).as("the system prompt's and the message's tokens")
                    .isEqualTo(o200k.countTokens("Be brief.") + o200k.countTokens("Count to 3"));
            assertThat(response.headers().values("X-Token-Count")).containsExactly("upstream");
        }
    }

    @Test
    void anUnknownKeyIsA401AndABadRequestA400InTheMessagesShape() {
        try (Gateway gateway = Gateway.offline()) {
            assertThatThrownBy(() -> sdk(gateway, "ar-wrong-key-000000000").messages()
                    .countTokens(params("anthropic/claude-test")))
                    .isInstanceOfSatisfying(UnauthorizedException.class,
                            e -> assertThat(e.getMessage()).contains("invalid API key"));
            assertThatThrownBy(() -> sdk(gateway, Gateway.KEY).messages().countTokens(MessageCountTokensParams
                    .builder().model("anthropic/claude-test").addAssistantMessage("I start").build()))
                    .isInstanceOfSatisfying(BadRequestException.class,
                            e -> assertThat(e.getMessage()).contains("messages[0]"));
        }
    }

    @Test
    void anUpstreamRefusalKeepsItsStatus() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.againstAnthropic(upstream.root())) {
            upstream.script(x -> x.json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                    + "\"message\":\"model: not found\"}}"));

            assertThatThrownBy(() -> sdk(gateway, Gateway.KEY).messages().countTokens(params("anthropic/nope")))
                    .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage())
                            .contains("upstream 'anthropic' rejected the request (HTTP 400): model: not found"));
        }
    }

    @Test
    void isRateLimitedLikeAnyRequestBeforeTheUpstreamIsAsked() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.againstAnthropic(upstream.root(), "ANYROUTER_KEY_RPM", "1")) {
            upstream.script(x -> x.json(200, "{\"input_tokens\":3}"));
            AnthropicClient client = sdk(gateway, Gateway.KEY);

            assertThat(client.messages().countTokens(params("anthropic/claude-sonnet-4-5")).inputTokens()).isEqualTo(3);
            upstream.next();
            assertThatThrownBy(() -> client.messages().countTokens(params("anthropic/claude-sonnet-4-5")))
                    .isInstanceOf(RateLimitException.class);
            assertThat(upstream.idle()).isTrue();
        }
    }
}
