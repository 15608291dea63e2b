package dev.anyrouter.translate;

import dev.anyrouter.api.FinishReasons;

/** How an answer's end reads in each API: OpenAI's {@code finish_reason} and Anthropic's {@code stop_reason}. */
public final class StopReasons {

    private StopReasons() {
    }

    /** OpenAI's finish reason for an Anthropic stop reason. */
    public static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReasons.LENGTH;
            case "tool_use" -> FinishReasons.TOOL_CALLS;
            case "refusal" -> "content_filter";
            default -> FinishReasons.STOP; // end_turn, stop_sequence, pause_turn
        };
    }

    /**
     * Anthropic's stop reason for an OpenAI finish reason. After tool calls it is {@code tool_use} even when the
     * upstream said {@code stop}, as OpenAI does for a forced tool choice: agents run tools only on
     * {@code tool_use}.
     */
    public static String stopReason(String finishReason, boolean calledTools) {
        if (calledTools && (finishReason.isBlank() || finishReason.equals(FinishReasons.STOP))) {
            return "tool_use";
        }
        return switch (finishReason) {
            case FinishReasons.LENGTH -> "max_tokens";
            case FinishReasons.TOOL_CALLS, "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }
}
