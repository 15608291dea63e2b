package dev.anyrouter.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A child JVM on loopback, running {@code anyrouter.jar} or the byte proxy, with the means to read its memory,
 * threads and CPU time.
 */
final class Jvm implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("is listening on http://127.0.0.1:(\\d+)/");
    /** Clock ticks per second of {@code /proc/<pid>/stat} times: USER_HZ, 100 on Linux. */
    private static final long TICKS_PER_SECOND = 100;
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total.*?used (\\d+)K");

    private final Process process;
    private final Path log;
    private final Path javaHome;
    final int port;

    private Jvm(Process process, Path log, Path javaHome, int port) {
        this.process = process;
        this.log = log;
        this.javaHome = javaHome;
        this.port = port;
    }

    /** Starts {@code anyrouter.jar} on a free port. */
    static Jvm start(String name, Path jar, Path javaHome, List<String> jvmArgs, Map<String, String> env, Path dir)
            throws IOException, InterruptedException {
        return start(name, javaHome, jvmArgs, List.of("-jar", jar.toString(), "--port", "0"), env, dir);
    }

    /** Starts {@code program} (what follows the JVM options) and waits for it to say on which port it listens. */
    static Jvm start(String name, Path javaHome, List<String> jvmArgs, List<String> program, Map<String, String> env,
            Path dir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin/java").toString());
        command.addAll(jvmArgs);
        command.addAll(program);
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("OPENAI_") || k.startsWith("ANYROUTER_"));
        // Each JVM its own embedded database: one process holds it at a time.
        builder.environment().put("ANYROUTER_DATA_DIR", dir.resolve(name + "-data").toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return new Jvm(process, log, javaHome, Integer.parseInt(m.group(1)));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " did not start; its log:\n" + Files.readString(log));
    }

    /** Resident set size in bytes, from {@code /proc}. */
    long rss() throws IOException {
        return status("VmRSS") * 1024;
    }

    /** Live threads, from {@code /proc}. */
    long threads() throws IOException {
        return status("Threads");
    }

    /** Open file descriptors (sockets among them), from {@code /proc}. */
    long fileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    /** CPU time used so far, user and system, in nanoseconds, from {@code /proc/<pid>/stat} (10 ms steps). */
    long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // Fields after the parenthesised command name, from the state (field 3): utime is 14, stime 15 (proc(5)).
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    /** Heap in use after a full GC, in bytes, via {@code jcmd}. */
    long heapAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            throw new IllegalStateException("cannot read the heap of pid " + process.pid());
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(javaHome.resolve("bin/jcmd").toString(), Long.toString(process.pid()),
                command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + process.pid() + "/status");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public String toString() {
        return "pid " + process.pid() + " (log " + log + ")";
    }
}
