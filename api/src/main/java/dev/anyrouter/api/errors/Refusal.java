package dev.anyrouter.api.errors;

/**
 * Why a request was refused before anything reached an upstream: the {@code reason} tag of the refusals meter.
 * A closed set, so the meter has a bounded number of series whatever clients send; never a key's id or label.
 */
public enum Refusal {
    /** 401: no key, an unknown key, or a wrong admin key. */
    AUTH("auth"),
    /** 403: a known key that may not do this (disabled; the admin API is off). */
    FORBIDDEN("forbidden"),
    /** 429: the key's requests per minute. */
    RATE_LIMIT_REQUESTS("rate_limit_requests"),
    /** 429: the key's tokens per minute. */
    RATE_LIMIT_TOKENS("rate_limit_tokens"),
    /** 503: the key's cap on requests in flight. */
    KEY_STREAMS("key_streams"),
    /** 503: the gateway's cap on requests in flight. */
    GLOBAL_STREAMS("global_streams"),
    /** 503: every relay thread is busy (JDK 17 only). */
    RELAY_THREADS("relay_threads"),
    /** 402: the key has used its credit limit. */
    CREDIT("credit"),
    /** 503: the gateway is shutting down. */
    DRAINING("draining"),
    /** 503: the usage ledger cannot write to the database, so nothing new could be billed. */
    LEDGER("ledger");

    private final String tag;

    Refusal(String tag) {
        this.tag = tag;
    }

    /** The tag value. */
    public String tag() {
        return tag;
    }
}
