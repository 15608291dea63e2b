package dev.anyrouter.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The byte-proxy baseline: nginx relaying to the same upstream with {@code proxy_buffering off}, which passes
 * every byte on as it arrives and inspects nothing. Started from the system's binary (Debian's package).
 */
final class Nginx implements AutoCloseable {

    private final Process process;
    final int port;

    private Nginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Nginx start(Path binary, int upstreamPort, Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path home = Files.createDirectories(dir.resolve("nginx"));
        Path conf = home.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes auto;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 16000; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    upstream simulator { server 127.0.0.1:%2$d; keepalive 1024; }
                    server {
                        listen 127.0.0.1:%3$d backlog=4096;
                        location / {
                            proxy_pass http://simulator;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                            proxy_request_buffering off;
                        }
                    }
                }
                """.formatted(home, upstreamPort, port));
        Process process = new ProcessBuilder(binary.toString(), "-c", conf.toString(), "-p", home.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("out.log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket ignored = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                return new Nginx(process, port);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("nginx did not start; see " + home);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
