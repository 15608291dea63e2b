package dev.anyrouter.webapp;

import java.lang.reflect.InvocationTargetException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import org.glassfish.jersey.internal.ServiceFinder;

/**
 * Jersey's {@code META-INF/services} lookup, minus the providers that belong to another copy of Jersey.
 *
 * <p>In an application server that ships its own Jersey (Payara, GlassFish), the WAR's class loader also sees the
 * server's service files: with {@code <class-loader delegate="false"/>} the WAR's Jersey is loaded, but its lookup
 * of, say, {@code ForcedAutoDiscoverable} finds the server's providers too, whose classes implement the
 * <em>server's</em> copy of the interface, and Jersey fails with a {@code ClassCastException}. This lookup yields
 * only the classes that implement the interface this Jersey asked for, which are the WAR's own; the others could
 * never have worked. Installed only while the WAR runs on its own copy of Jersey (see {@link #install()}).
 */
final class OwnJerseyServices extends ServiceFinder.ServiceIteratorProvider {

    private final ServiceFinder.DefaultServiceIteratorProvider lookup = new ServiceFinder.DefaultServiceIteratorProvider();

    /**
     * Installs this lookup when the Jersey visible here is this application's own copy (loaded by its class
     * loader), which is then private to it; never into a Jersey shared with the container or an embedding
     * application. Returns whether it did.
     */
    static boolean install() {
        if (ServiceFinder.class.getClassLoader() != OwnJerseyServices.class.getClassLoader()) {
            return false;
        }
        ServiceFinder.setIteratorProvider(new OwnJerseyServices());
        return true;
    }

    /** Puts Jersey's default lookup back. */
    static void uninstall() {
        ServiceFinder.setIteratorProvider(null);
    }

    @Override
    public <T> Iterator<Class<T>> createClassIterator(Class<T> service, String serviceName, ClassLoader loader,
            boolean ignoreOnClassNotFound) {
        Iterator<Class<T>> all = lookup.createClassIterator(service, serviceName, loader, ignoreOnClassNotFound);
        return new Iterator<>() {
            private Class<T> next;

            @Override
            public boolean hasNext() {
                while (next == null && all.hasNext()) {
                    Class<T> candidate = all.next();
                    if (service.isAssignableFrom(candidate)) {
                        next = candidate;
                    }
                }
                return next != null;
            }

            @Override
            public Class<T> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Class<T> result = next;
                next = null;
                return result;
            }
        };
    }

    @Override
    public <T> Iterator<T> createIterator(Class<T> service, String serviceName, ClassLoader loader,
            boolean ignoreOnClassNotFound) {
        Iterator<Class<T>> classes = createClassIterator(service, serviceName, loader, ignoreOnClassNotFound);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return classes.hasNext();
            }

            @Override
            public T next() {
                Class<T> type = classes.next();
                try {
                    return service.cast(type.getDeclaredConstructor().newInstance());
                } catch (ReflectiveOperationException | LinkageError e) {
                    Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
                    throw new ServiceConfigurationError(serviceName + ": provider " + type.getName()
                            + " could not be instantiated", cause);
                }
            }
        };
    }
}
