package dev.anyrouter.accounting;

import java.math.BigDecimal;

/** The credit a running generation of a limited key may spend, which it can ask to grow while the key has some. */
public interface CreditBudget {

    /** The credit reserved for the generation so far. */
    BigDecimal reserved();

    /** Reserves more for the generation, if the key has any left; returns what was added (zero: none left). */
    BigDecimal more();
}
