package dev.anyrouter.it;

/**
 * The whole OpenAI SDK contract, and the generation records, against an Anthropic model: every request is
 * translated to the Messages API (the simulated upstream's, offline) and every answer back to chat completions.
 */
class OpenAiSdkToAnthropicIT extends OpenAiSdkIT {

    @Override
    String model() {
        return "anthropic/claude-sonnet-4";
    }
}
