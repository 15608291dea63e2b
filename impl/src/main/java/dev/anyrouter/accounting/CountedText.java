package dev.anyrouter.accounting;

/**
 * How much of a generation's delivered text the in-progress journal has counted: its first {@code chars}
 * characters, which are {@code tokens} tokens. Each journal pass then counts only the text delivered since (see
 * {@link Generation#progress(CountedText)}), not the whole text again: a long answer cost a count of up to
 * {@link TokenCounter#EXACT_CHARS} characters every pass.
 *
 * <p>A count stops at a word's start ({@link #boundary}), where the encodings never join the text before and
 * after into one token, so the counts of the parts add up to the count of the whole.
 */
public record CountedText(int chars, long tokens) {

    /** Nothing counted yet. */
    public static final CountedText NONE = new CountedText(0, 0);

    /**
     * Where in {@code text} a count may stop: before its last space that follows a letter, digit or punctuation
     * (a word's start: the encodings split text before such a space); 0 when it has none.
     */
    static int boundary(String text) {
        for (int i = text.length() - 1; i > 0; i--) {
            if (text.charAt(i) == ' ' && !Character.isWhitespace(text.charAt(i - 1))) {
                return i;
            }
        }
        return 0;
    }
}
