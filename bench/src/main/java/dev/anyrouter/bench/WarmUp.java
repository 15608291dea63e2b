package dev.anyrouter.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Warm-up: a freshly started gateway's first streams, one at a time, against the same number after the usual
 * warm-up of that gateway (issue 15: the first 1,000 streams within 2x of steady state). The gateway gets the
 * run's extra JVM options, so an AOT cache passed with {@code --gateway-jvm-arg} is measured here.
 */
final class WarmUp {

    private static final double TARGET = 2;

    private final Lab lab;

    WarmUp(Lab lab) {
        this.lab = lab;
    }

    /** @param fresh a gateway that has served nothing yet */
    void run(Jvm fresh) throws Exception {
        int streams = lab.quick ? 50 : 1000;
        LoadClient.Target via = lab.through(fresh);
        List<Trace> cold = lab.client.run(via, streams, 1, 4, 0);
        lab.warmUp(via);
        List<Trace> warm = lab.client.run(via, streams, 1, 4, 0);
        System.out.printf(Locale.ROOT, "%-58s %18s %18s %9s %9s%n",
                String.format(Locale.ROOT, "first %,d streams after a start, one at a time", streams),
                "cold mean / p50", "warm mean / p50", "ratio", "target");
        line("time to first token (ms)", cold, warm, Trace::ttftNanos);
        line("stream duration, 4 chunks (ms)", cold, warm, Trace::durationNanos);
    }

    /** One figure cold and warm; the ratio is of the means, which the slow first streams weigh on. */
    private static void line(String label, List<Trace> cold, List<Trace> warm, ToLongFunction<Trace> figure) {
        double coldMean = mean(cold, figure);
        double warmMean = mean(warm, figure);
        double ratio = coldMean / warmMean;
        System.out.printf(Locale.ROOT, "%-58s %8.2f / %7.2f %8.2f / %7.2f %8.2fx %9s %s%n", label, coldMean,
                p50(cold, figure), warmMean, p50(warm, figure), ratio, "<= " + TARGET + "x",
                ratio <= TARGET ? "met" : "missed");
    }

    private static double mean(List<Trace> traces, ToLongFunction<Trace> figure) {
        return traces.stream().mapToLong(figure).average().orElse(Double.NaN) / 1e6;
    }

    private static double p50(List<Trace> traces, ToLongFunction<Trace> figure) {
        return new Stats(traces.stream().mapToLong(figure).toArray()).ms(50);
    }
}
