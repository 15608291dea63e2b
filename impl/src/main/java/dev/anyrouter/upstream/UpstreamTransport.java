package dev.anyrouter.upstream;

import java.time.Duration;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;

/**
 * How the upstream client connects (docs/decisions/upstream-http2.md): HTTP/1.1, and HTTP/2 where the upstream
 * offers it — negotiated by ALPN over TLS, or by prior knowledge over cleartext (h2c) for a request marked so
 * ({@link UpstreamClient#HTTP_VERSION}). HTTP/2 streams share connections: a new one opens only when the open ones
 * carry as many streams as the upstream allows (its {@code SETTINGS_MAX_CONCURRENT_STREAMS}).
 */
final class UpstreamTransport {

    /**
     * The streams an h2c connection is counted on for while it opens, before the upstream's settings say how many
     * it takes: the least that the HTTP/2 specification recommends a server allow. Without it, a burst of
     * requests to a cold upstream would open one connection each before the first one is ready.
     */
    static final int H2C_STREAMS_WHILE_OPENING = 100;
    /**
     * What one HTTP/2 stream may hold unread (its flow-control window): a stream whose client reads slowly stops
     * its upstream at this many bytes, as a full socket buffer stops an HTTP/1.1 one.
     */
    private static final int STREAM_WINDOW = 256 * 1024;
    /**
     * What all the streams of one connection may hold unread together: 256 stalled streams' worth, so that a few
     * slow clients never stall the streams they share a connection with.
     */
    private static final int CONNECTION_WINDOW = 256 * STREAM_WINDOW;

    private UpstreamTransport() {
    }

    /** A transport on its own connector; a silent HTTP/2 stream fails after {@code streamIdle}. */
    static HttpClientTransportDynamic create(Duration streamIdle) {
        ClientConnector connector = new ClientConnector();
        HTTP2Client http2 = new HTTP2Client(connector);
        http2.setStreamIdleTimeout(streamIdle.toMillis());
        http2.setInitialStreamRecvWindow(STREAM_WINDOW);
        http2.setInitialSessionRecvWindow(CONNECTION_WINDOW);
        // HTTP/1.1 first: a cleartext request goes as HTTP/1.1 unless marked h2c; over TLS both are offered.
        HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
                HttpClientConnectionFactory.HTTP11, new ClientConnectionFactoryOverHTTP2.HTTP2(http2));
        transport.setConnectionPoolFactory(UpstreamTransport::pool);
        return transport;
    }

    private static ConnectionPool pool(Destination destination) {
        return new MultiplexConnectionPool(destination, destination.getHttpClient().getMaxConnectionsPerDestination(),
                streamsWhileOpening(destination.getOrigin()));
    }

    /**
     * {@link #H2C_STREAMS_WHILE_OPENING} for an h2c destination; 1 for the others, whose protocol is HTTP/1.1 or
     * not known before ALPN picks it (a connection that turns out HTTP/2 takes the upstream's count once open).
     */
    static int streamsWhileOpening(Origin origin) {
        Origin.Protocol protocol = origin.getProtocol();
        boolean h2c = protocol != null && !protocol.isNegotiate() && protocol.getProtocols().contains("h2c");
        return h2c ? H2C_STREAMS_WHILE_OPENING : 1;
    }
}
