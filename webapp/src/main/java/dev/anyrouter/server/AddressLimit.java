package dev.anyrouter.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;

/**
 * A cap on the client connections open at once from one IP address: the connection over it is closed as soon as
 * it opens, before it is read, so one host cannot take the descriptors every other client needs. Jetty's own
 * {@code ConnectionLimit} and {@code NetworkConnectionLimit} count all addresses together.
 */
final class AddressLimit implements Connection.Listener {

    private static final System.Logger LOG = System.getLogger(AddressLimit.class.getName());

    private final int max;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /** Connections counted in {@link #open} (those over the cap are not): only they are given back. */
    private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();

    AddressLimit(int max) {
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        if (!(connection.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress remote)) {
            return;
        }
        InetAddress address = remote.getAddress();
        boolean[] admitted = new boolean[1];
        open.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            admitted[0] = now < max;
            return admitted[0] ? now + 1 : count;
        });
        if (admitted[0]) {
            counted.put(connection, address);
        } else {
            LOG.log(System.Logger.Level.DEBUG, "connection from {0} closed: {1} open from that address already",
                    address.getHostAddress(), max);
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress address = counted.remove(connection);
        if (address != null) {
            open.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        }
    }

    /** Connections open from {@code address} now. */
    int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }
}
