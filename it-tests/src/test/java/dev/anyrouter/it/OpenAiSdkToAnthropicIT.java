package dev.anyrouter.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole OpenAI SDK contract against an Anthropic model: every request is translated to the Messages API
 * (the simulated upstream's, offline) and every answer back to chat completions.
 */
class OpenAiSdkToAnthropicIT extends OpenAiSdkContract {

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

    @Override
    String model() {
        return "anthropic/claude-sonnet-4";
    }
}
