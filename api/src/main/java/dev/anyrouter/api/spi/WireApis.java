package dev.anyrouter.api.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * The wire APIs on the class path, by name, and the table of translators keyed by (client API, upstream API) they
 * make up. A pair missing from the table is a client error that names the pairs there are: nothing falls back.
 */
public final class WireApis {

    private static final System.Logger LOG = System.getLogger(WireApis.class.getName());
    private static final Map<String, WireApi> BY_NAME = load();

    private WireApis() {
    }

    /** The wire API of this name. */
    public static Optional<WireApi> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The names there are, sorted. */
    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /**
     * Plans a request of the {@code client} API for a provider speaking {@code upstream}. Throws a 400 naming the
     * client APIs that provider serves when it serves not this one.
     */
    public static Plan plan(ClientApi client, String upstream, ObjectNode request,
            Destination destination, Tally tally) {
        WireApi api = BY_NAME.get(upstream);
        Translator translator = api == null ? null : api.translators().get(client);
        if (translator == null) {
            throw GatewayException.badRequest("The provider '" + destination.provider() + "' speaks the '" + upstream
                    + "' API, which cannot serve " + client.wireName() + " requests. Supported (client API -> "
                    + "upstream API): " + String.join(", ", pairs()) + ".");
        }
        return translator.plan(request, destination, tally);
    }

    /** Every (client API, upstream API) pair of the table, as {@code client -> upstream}. */
    public static List<String> pairs() {
        List<String> pairs = new ArrayList<>();
        BY_NAME.forEach((name, api) -> api.translators().keySet().stream().sorted()
                .forEach(client -> pairs.add(client.wireName() + " -> " + name)));
        return pairs;
    }

    private static Map<String, WireApi> load() {
        Map<String, WireApi> apis = new TreeMap<>();
        Iterator<WireApi> found = ServiceLoader.load(WireApi.class, WireApis.class.getClassLoader()).iterator();
        for (int errors = 0; errors < 100; ) { // a loader that fails on every entry still ends
            WireApi api;
            try {
                if (!found.hasNext()) {
                    break;
                }
                api = found.next();
            } catch (ServiceConfigurationError e) {
                // A provider of another class loader's SPI (a WAR's parent sees its own jars) or one that cannot be
                // made: the others are still served; a provider naming its API fails at start with the known names.
                LOG.log(System.Logger.Level.WARNING, "a wire API on the class path is left out: " + e.getMessage());
                errors++;
                continue;
            }
            WireApi before = apis.putIfAbsent(api.name(), api);
            if (before != null && before.getClass() != api.getClass()) {
                throw new IllegalStateException("two wire APIs are named '" + api.name() + "': "
                        + before.getClass().getName() + " and " + api.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(apis);
    }
}
