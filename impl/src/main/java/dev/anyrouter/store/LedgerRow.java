package dev.anyrouter.store;

import dev.anyrouter.accounting.Bill;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationProgress;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.config.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;

/**
 * A ledger row as stored (without the delivered text).
 *
 * @param outcome {@code completed}, {@code cancelled} or {@code failed}; {@code in_progress} while the
 *                generation runs, {@code interrupted} if the gateway stopped before it ended
 */
public record LedgerRow(String id, String keyId, String model, String servedModel, String provider,
        boolean streamed, boolean cancelled, String outcome, String finishReason, long promptTokens,
        long completionTokens, boolean tokensCounted, BigDecimal cost, Long firstChunkMillis,
        long totalMillis, Instant createdAt, String error) {

    /**
     * This row as stored after the database refused it: control characters stripped from its text fields,
     * each cut to its column's length, and the error saying so (SQL state {@code state}); ids, numbers and
     * cost unchanged.
     */
    LedgerRow quarantined(String state) {
        String note = "quarantined: the database refused the row (SQL state " + state + "), its text was sanitised"
                + (error == null ? "" : "; " + error);
        return new LedgerRow(id, keyId, clean(model, 200), clean(servedModel, 200), clean(provider, 64), streamed,
                cancelled, clean(outcome, 16), clean(finishReason, 64), promptTokens, completionTokens,
                tokensCounted, cost, firstChunkMillis, totalMillis, createdAt, clean(note, 1000));
    }

    /** {@code text} without ISO control characters, at most {@code max} characters long. */
    static String clean(String text, int max) {
        if (text == null) {
            return null;
        }
        StringBuilder kept = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && kept.length() < max; i++) {
            if (!Character.isISOControl(text.charAt(i))) {
                kept.append(text.charAt(i));
            }
        }
        return kept.toString();
    }

    static LedgerRow of(GenerationRecord r) {
        return new LedgerRow(r.id(), r.keyId(), r.model(), r.servedModel(), r.provider(), r.streamed(),
                r.cancelled(), r.outcome().name().toLowerCase(Locale.ROOT), r.finishReason(),
                r.promptTokens(), r.completionTokens(), r.tokensCounted(), Price.normal(r.cost()),
                r.firstChunkMillis(), r.totalMillis(), r.createdAt(), r.error());
    }

    /** The row of a generation still running: {@code bill} is its bill as if it ended now, by a kill. */
    static LedgerRow inProgress(String id, GenerationProgress p, Bill bill) {
        return new LedgerRow(id, p.keyId(), p.route().requestedModel(),
                p.servedModel() != null ? p.servedModel() : p.route().upstreamModel(),
                p.route().upstream().name(), p.streamed(), false, Ledger.IN_PROGRESS, null, bill.promptTokens(),
                bill.completionTokens(), bill.counted(), Price.normal(bill.cost()), p.firstChunkMillis(),
                p.totalMillis(), p.createdAt(), null);
    }
}
