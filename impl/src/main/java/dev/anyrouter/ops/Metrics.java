package dev.anyrouter.ops;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.routing.Endpoints;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The gateway's meters, scraped as Prometheus text by {@code GET /metrics}: requests to the two completion APIs
 * (counted when their response ends), relays running now, and, from each finished generation, time to first
 * token, duration, tokens, cost, cancellations and upstream errors; and requests refused before reaching an upstream,
 * by {@link Refusal}.
 *
 * <p>Every tag has a bounded set of values: {@code provider} is a configured upstream (or {@code simulated}),
 * {@code model} a model with a price of its own (the catalog's and {@code ANYROUTER_PRICES}'), any other model
 * {@code other}, so a client cannot add series by naming models.
 */
public final class Metrics implements AutoCloseable {

    /** The {@code model} tag of models without a price of their own. */
    public static final String OTHER_MODEL = "other";

    /** Histogram buckets for time to first token and generation time: 1 ms to 120 s. */
    private static final Duration[] BUCKETS = {ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250),
            ms(500), ms(1000), ms(2500), ms(5000), ms(10_000), ms(30_000), ms(60_000), ms(120_000)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Predicate<String> listedModel;
    private final Meter.MeterProvider<Counter> requests;
    private final Meter.MeterProvider<Timer> firstToken;
    private final Meter.MeterProvider<Timer> duration;
    private final Meter.MeterProvider<Counter> tokens;
    private final Meter.MeterProvider<Counter> cost;
    private final Meter.MeterProvider<Counter> cancellations;
    private final Meter.MeterProvider<Counter> upstreamErrors;
    private final Meter.MeterProvider<Counter> retries;
    private final Meter.MeterProvider<Counter> fallbacks;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    /** What function meters read: Micrometer holds them weakly, and a lambda has no other owner. */
    private final java.util.List<Object> read = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param activeRelays how many requests are being relayed now
     * @param listedModel  whether a {@code provider/model} may be a {@code model} tag value
     */
    public Metrics(IntSupplier activeRelays, Predicate<String> listedModel) {
        this.listedModel = listedModel;
        read.add(activeRelays);
        Gauge.builder("anyrouter.active.relays", activeRelays, IntSupplier::getAsInt)
                .description("Requests whose upstream exchange and relay are running now (streamed or not)")
                .register(registry);
        requests = Counter.builder("anyrouter.requests")
                .description("Requests to the chat-completions, Messages, Responses and embeddings APIs, counted "
                        + "when their response ends")
                .withRegistry(registry);
        firstToken = Timer.builder("anyrouter.time.to.first.token")
                .description("Time from request to the first chunk delivered to the client")
                .serviceLevelObjectives(BUCKETS).withRegistry(registry);
        duration = Timer.builder("anyrouter.generation.duration")
                .description("Time from request to the end of the generation, whatever its outcome")
                .serviceLevelObjectives(BUCKETS).withRegistry(registry);
        tokens = Counter.builder("anyrouter.tokens").description("Tokens billed").withRegistry(registry);
        cost = Counter.builder("anyrouter.cost").baseUnit("usd")
                .description("Cost billed in USD (the ledger keeps the exact amounts)").withRegistry(registry);
        cancellations = Counter.builder("anyrouter.cancellations")
                .description("Generations cancelled by the client").withRegistry(registry);
        upstreamErrors = Counter.builder("anyrouter.upstream.errors")
                .description("Generations that failed, by the class of the upstream's HTTP status "
                        + "(2xx: failed after answering; none: no answer)").withRegistry(registry);
        retries = Counter.builder("anyrouter.retries")
                .description("Tries of a model after a failure before the first byte").withRegistry(registry);
        fallbacks = Counter.builder("anyrouter.fallbacks")
                .description("Fallback models tried, by the provider that answered last").withRegistry(registry);
        // Every reason from the start: a series that appears only at its first refusal hides that first one
        // from rate() and increase().
        for (Refusal reason : Refusal.values()) {
            refusals.put(reason, Counter.builder("anyrouter.refusals").tag("reason", reason.tag())
                    .description("Requests refused before anything reached an upstream, by reason")
                    .register(registry));
        }
    }

    /**
     * Meters of the usage ledger: rows waiting to be written, batches that failed to write, and whether it
     * writes now (1) or is retrying after a failure (0).
     */
    public void ledger(IntSupplier queueDepth, LongSupplier writeFailures, IntSupplier healthy) {
        read.addAll(java.util.List.of(queueDepth, writeFailures, healthy));
        Gauge.builder("anyrouter.ledger.queue.depth", queueDepth, IntSupplier::getAsInt)
                .description("Ledger rows (final and in progress) waiting to be written").register(registry);
        FunctionCounter.builder("anyrouter.ledger.write.failures", writeFailures, LongSupplier::getAsLong)
                .description("Ledger batches that failed to write (each is retried)").register(registry);
        Gauge.builder("anyrouter.ledger.healthy", healthy, IntSupplier::getAsInt)
                .description("1 while the ledger writes, 0 while it retries after a failure").register(registry);
    }

    /** The access log's lines dropped because its writer fell behind ({@link AccessLog#dropped()}). */
    public void accessLog(LongSupplier dropped) {
        read.add(dropped);
        FunctionCounter.builder("anyrouter.access.log.dropped", dropped, LongSupplier::getAsLong)
                .description("Access-log lines dropped because the log was written more slowly than requests ended")
                .register(registry);
    }

    /** A request was refused before anything reached an upstream. */
    public void refusal(Refusal reason) {
        refusals.get(reason).increment();
    }

    /**
     * Meters of one provider's endpoints and their circuit breakers: how many are open now, how often a breaker
     * opened, the tries sent elsewhere because of an open breaker or sent to an open endpoint because every one was,
     * and the 429s that parked an endpoint.
     */
    public void endpoints(Endpoints endpoints) {
        Tags provider = Tags.of("provider", endpoints.provider());
        Gauge.builder("anyrouter.upstream.endpoints.open", endpoints, Endpoints::open).tags(provider)
                .description("Endpoints of the provider whose circuit breaker is open (skipped) or half-open "
                        + "(waiting for its trial request)").register(registry);
        FunctionCounter.builder("anyrouter.upstream.breaker.opened", endpoints, Endpoints::opened).tags(provider)
                .description("Times an endpoint's circuit breaker opened").register(registry);
        FunctionCounter.builder("anyrouter.upstream.skipped", endpoints, Endpoints::skipped).tags(provider)
                .description("Tries sent to another endpoint than the first choice, whose breaker was open")
                .register(registry);
        FunctionCounter.builder("anyrouter.upstream.all.open", endpoints, Endpoints::allOpenTries).tags(provider)
                .description("Tries sent to an endpoint whose breaker was open, because every endpoint's was")
                .register(registry);
        FunctionCounter.builder("anyrouter.upstream.parked", endpoints, Endpoints::parked).tags(provider)
                .description("Upstream 429s that parked their endpoint for its Retry-After").register(registry);
    }

    /**
     * A response of {@code api} ({@code chat}, {@code messages}, {@code responses} or {@code embeddings}) ended;
     * {@code stream} is null if unknown.
     */
    public void request(String api, Boolean stream, int status) {
        requests.withTags(Tags.of("api", api, "stream", stream == null ? "unknown" : stream.toString(),
                "status", Integer.toString(status))).increment();
    }

    /** A generation ended: the engine's generation listener. */
    public void generation(GenerationRecord record) {
        String provider = record.provider();
        Tags byProvider = Tags.of("provider", provider);
        if (record.firstChunkMillis() != null) {
            firstToken.withTags(byProvider).record(record.firstChunkMillis(), TimeUnit.MILLISECONDS);
        }
        duration.withTags(byProvider).record(record.totalMillis(), TimeUnit.MILLISECONDS);
        Tags byModel = byProvider.and("model", listedModel.test(record.model()) ? record.model() : OTHER_MODEL);
        tokens.withTags(byModel.and("type", "prompt")).increment(record.promptTokens());
        tokens.withTags(byModel.and("type", "completion")).increment(record.completionTokens());
        cost.withTags(byModel).increment(record.cost().doubleValue());
        if (record.retries() > 0) {
            retries.withTags(byProvider).increment(record.retries());
        }
        if (record.fallbacks() > 0) {
            fallbacks.withTags(byProvider).increment(record.fallbacks());
        }
        if (record.outcome() == Generation.Outcome.CANCELLED) {
            cancellations.withTags(byProvider).increment();
        } else if (record.outcome() == Generation.Outcome.FAILED) {
            int status = record.upstreamStatus();
            upstreamErrors.withTags(byProvider.and("status_class", status == 0 ? "none" : status / 100 + "xx"))
                    .increment();
        }
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        registry.close();
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
