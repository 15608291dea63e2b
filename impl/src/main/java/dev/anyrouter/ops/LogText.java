package dev.anyrouter.ops;

/**
 * Client-chosen text (a model name, an upstream's message quoting it) made safe for one log line: control
 * characters, line and paragraph separators are written as escapes ({@code \n}, {@code \u0007}), so a client
 * cannot end a line and forge the next one, and the text is cut at {@value #MAX} characters.
 */
public final class LogText {

    /** The most characters of one piece of client text in a log line. */
    static final int MAX = 300;

    private LogText() {
    }

    /** {@code text} with every control character escaped, cut at {@value #MAX}; {@code "null"} for null. */
    public static String escape(String text) {
        return escape(text, MAX);
    }

    /**
     * A whole log message, not cut, on one line: for a formatter, whose messages may quote client text anywhere
     * (a stack trace is printed apart from the message, and keeps its lines).
     */
    public static String escapeMessage(String message) {
        return escape(message, Integer.MAX_VALUE);
    }

    private static String escape(String text, int max) {
        if (text == null) {
            return "null";
        }
        boolean cut = text.length() > max;
        String shown = cut ? text.substring(0, max) : text;
        StringBuilder out = null;
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\\';
            if (control && out == null) {
                out = new StringBuilder(shown.length() + 16).append(shown, 0, i);
            }
            if (out != null) {
                append(out, c, control);
            }
        }
        String escaped = out == null ? shown : out.toString();
        return cut ? escaped + "…" : escaped;
    }

    private static void append(StringBuilder out, char c, boolean control) {
        if (!control) {
            out.append(c);
            return;
        }
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> out.append(String.format("\\u%04x", (int) c));
        }
    }
}
