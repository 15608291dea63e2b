package dev.anyrouter.it;

/**
 * The whole Anthropic SDK contract against an OpenAI-compatible model: every Messages request is translated to
 * chat completions (the simulated upstream's, offline) and every answer back to the Messages API.
 */
class AnthropicSdkToOpenAiIT extends AnthropicSdkIT {

    @Override
    String model() {
        return "openai/gpt-test";
    }
}
