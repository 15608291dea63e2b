package dev.anyrouter.upstream;

/** One server-sent event from an upstream that carried data: its name ({@code null} for none) and its data. */
public record SseEvent(String name, String data) {
}
