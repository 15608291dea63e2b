package dev.anyrouter.config;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * USD per token, exact decimals.
 *
 * @param prompt     per prompt (input) token
 * @param completion per completion (output) token
 */
public record Price(BigDecimal prompt, BigDecimal completion) {

    /** The most decimal places a price may have: the ledger stores costs to 12 places, exactly. */
    public static final int MAX_SCALE = 12;

    public Price {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
    }

    /**
     * Parses {@code PROMPT:COMPLETION} (USD per token, such as {@code 0.0000025:0.00001}); {@code where} names the
     * setting in the error.
     */
    public static Price parse(String text, String where) {
        String[] parts = text.split(":", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException(where + ": '" + text
                    + "' (expected: PROMPT:COMPLETION in USD per token, such as 0.0000025:0.00001)");
        }
        return new Price(amount(parts[0].trim(), where), amount(parts[1].trim(), where));
    }

    /** One price as written in the catalog or a setting: a non-negative decimal with at most 12 places. */
    public static BigDecimal amount(String text, String where) {
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": '" + text + "' (expected: a decimal number of USD per token)");
        }
        if (value.signum() < 0 || value.stripTrailingZeros().scale() > MAX_SCALE) {
            throw new IllegalArgumentException(where + ": '" + text
                    + "' (expected: at least 0, with at most " + MAX_SCALE + " decimal places)");
        }
        return normal(value);
    }

    /** {@code amount} without trailing zeros, and never in exponent form ({@code 10}, not {@code 1E+1}). */
    public static BigDecimal normal(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    /** The exact cost of so many prompt and completion tokens. */
    public BigDecimal cost(long promptTokens, long completionTokens) {
        return prompt.multiply(BigDecimal.valueOf(promptTokens))
                .add(completion.multiply(BigDecimal.valueOf(completionTokens)));
    }
}
