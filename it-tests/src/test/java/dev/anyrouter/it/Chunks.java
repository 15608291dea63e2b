package dev.anyrouter.it;

/** OpenAI-format chunks as a real upstream sends them. */
final class Chunks {

    static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private Chunks() {
    }

    static String role() {
        return chunk("{\"role\":\"assistant\",\"content\":\"\"}", null);
    }

    static String content(String text) {
        return chunk("{\"content\":\"" + text + "\"}", null);
    }

    static String finish(String reason) {
        return chunk("{}", reason);
    }

    static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,"
                + "\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }

    /** The chunk as the client must receive it: the upstream's bytes with the gateway's generation id. */
    static String relayed(String chunk, String generationId) {
        return "data: " + chunk.replace("\"chatcmpl-up\"", "\"" + generationId + "\"") + "\n\n";
    }

    static String withoutComments(String body) {
        return body.replace(": keep-alive\n\n", "");
    }
}
