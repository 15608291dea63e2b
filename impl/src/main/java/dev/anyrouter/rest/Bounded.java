package dev.anyrouter.rest;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the {@code @ManagedAsync} resources other than the completions (the key's account, a generation's row,
 * the admin API, {@code /ready}): binds {@link BoundedAdmissionFilter}, which caps how many of them hold a relay
 * thread at once.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@interface Bounded {
}
