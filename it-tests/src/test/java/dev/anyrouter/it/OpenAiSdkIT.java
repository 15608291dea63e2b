package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK contract against the embedded Jetty server (the executable jar's code path). */
class OpenAiSdkIT extends OpenAiSdkContract {

    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = Gateway.offline();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Override
    String baseUrl() {
        return gateway.uri() + "api/v1";
    }

    @Test
    void recordsWhatEachGenerationDelivered() {
        ChatCompletion completion = client.chat().completions().create(ask("Count to 3").build());
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ask("Count to 4").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }

        GenerationRecord plain = gateway.generation(completion.id());
        assertThat(plain.streamed()).isFalse();
        assertThat(plain.completionText()).isEqualTo("1, 2, 3");
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        GenerationRecord streamed = gateway.generation(last.id());
        assertThat(streamed.streamed()).isTrue();
        assertThat(streamed.completionText()).isEqualTo("1, 2, 3, 4");
        assertThat(streamed.completionTokens()).isEqualTo(last.usage().orElseThrow().completionTokens());
        assertThat(streamed.promptTokens()).isEqualTo(last.usage().orElseThrow().promptTokens());
    }
}
