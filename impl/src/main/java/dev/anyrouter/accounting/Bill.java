package dev.anyrouter.accounting;

import java.math.BigDecimal;

/**
 * What a generation costs: the upstream's usage where it reported it, the rest counted; nothing before
 * the upstream accepted the request.
 *
 * @param promptTokens     prompt tokens billed
 * @param completionTokens completion tokens billed
 * @param counted          whether a part was counted by the gateway rather than reported by the upstream
 * @param cost             USD, exact
 */
public record Bill(long promptTokens, long completionTokens, boolean counted, BigDecimal cost) {
}
