package dev.anyrouter.rest;

import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.relay.ClientOutput;
import dev.anyrouter.store.ClientKey;
import jakarta.servlet.ServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the gateway knows of one request, in one request attribute: what {@link GatewayFilter} gives it as it
 * arrives (its access-log line, the hold over its flushes, the watch on the end of its async cycle), and what the
 * Jersey filters and resources learn of it (its key, its parsed body, its places, its generation id). Jersey's
 * request properties are the servlet request's attributes, so both sides see the one object; the filter keeps it
 * too, for the request's end, after Jersey has let go of its properties.
 */
final class RequestState {

    private static final String ATTRIBUTE = RequestState.class.getName();

    private final AccessLog.Entry entry;
    private final ClientOutput clientOutput;
    private final AsyncEnd asyncEnd;
    private volatile ClientKey key;
    private volatile ClientRequest client;
    private volatile Map<String, String> forwarded = Map.of();
    private volatile String model;
    private volatile Boolean stream;
    private volatile String generationId;
    private volatile RelayAdmissionFilter.Permit relayPermit;
    private final AtomicBoolean boundedPlace = new AtomicBoolean();

    /**
     * @param entry    the request's access-log line, or {@code null} when none is kept
     * @param asyncEnd the watch on the end of its async cycle, or {@code null} when none is kept
     */
    RequestState(AccessLog.Entry entry, ClientOutput clientOutput, AsyncEnd asyncEnd) {
        this.entry = entry;
        this.clientOutput = clientOutput;
        this.asyncEnd = asyncEnd;
    }

    /** Puts this state in {@code request}'s attributes. */
    void attach(ServletRequest request) {
        request.setAttribute(ATTRIBUTE, this);
    }

    /**
     * The request's state. Where {@link GatewayFilter} did not run (an application that mounted the Jersey
     * application without it), a bare one: no access-log line, no watch, a flush hold of its own.
     */
    static RequestState of(ContainerRequestContext request) {
        Object state = request.getProperty(ATTRIBUTE);
        if (state instanceof RequestState known) {
            return known;
        }
        RequestState bare = new RequestState(null, new ClientOutput(), null);
        request.setProperty(ATTRIBUTE, bare);
        return bare;
    }

    /** The access-log line, or {@code null}. */
    AccessLog.Entry entry() {
        return entry;
    }

    ClientOutput clientOutput() {
        return clientOutput;
    }

    /** The watch on the end of the async cycle, or {@code null}. */
    AsyncEnd asyncEnd() {
        return asyncEnd;
    }

    /** The caller's key, once {@link AuthFilter} admitted it; {@code null} on public paths. */
    ClientKey key() {
        return key;
    }

    void key(ClientKey key) {
        this.key = key;
    }

    /**
     * The parsed completion body, once {@link RequestBodyFilter} read it, until {@link Admission} planned it;
     * {@code null} otherwise.
     */
    ClientRequest client() {
        return client;
    }

    /** @param forwarded the client's headers an upstream may receive ({@link ForwardedHeaders}), checked */
    void client(ClientRequest client, Map<String, String> forwarded) {
        this.model = client.model();
        this.stream = client.stream();
        this.forwarded = forwarded;
        this.client = client;
    }

    /** The client's headers an upstream may receive, once {@link RequestBodyFilter} checked them. */
    Map<String, String> forwarded() {
        return forwarded;
    }

    /** The body is planned: the state no longer holds it, as it lives as long as the (streamed) response. */
    void planned() {
        client = null;
    }

    /** The model a completion asked for, for its access-log line; {@code null} when no body was read. */
    String model() {
        return model;
    }

    /** Whether a completion asked for a stream; {@code null} when no body was read. */
    Boolean stream() {
        return stream;
    }

    /** The generation's id, once the resource made one. */
    String generationId() {
        return generationId;
    }

    void generationId(String id) {
        this.generationId = id;
    }

    /** The place {@link RelayAdmissionFilter} took, or {@code null}. */
    RelayAdmissionFilter.Permit relayPermit() {
        return relayPermit;
    }

    void relayPermit(RelayAdmissionFilter.Permit permit) {
        this.relayPermit = permit;
    }

    /** Takes back the place {@link BoundedAdmissionFilter} took: true once, if it took one. */
    boolean releaseBoundedPlace() {
        return boundedPlace.compareAndSet(true, false);
    }

    void boundedPlace() {
        boundedPlace.set(true);
    }
}
