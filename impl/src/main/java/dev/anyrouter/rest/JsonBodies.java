package dev.anyrouter.rest;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;

/**
 * A servlet filter in front of the Jersey servlet: every POST body AnyRouter accepts is JSON, whatever
 * Content-Type the client declared. curl's {@code -d} sends a form type, and a malformed type would make
 * Jersey's servlet layer answer an HTML 400 before any of our error handling runs.
 */
public final class JsonBodies implements Filter {

    private static final String JSON = "application/json";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && "POST".equals(http.getMethod())) {
            chain.doFilter(new AsJson(http), response);
        } else {
            chain.doFilter(request, response);
        }
    }

    private static final class AsJson extends HttpServletRequestWrapper {

        AsJson(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getContentType() {
            return JSON;
        }

        @Override
        public String getHeader(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? JSON : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? Collections.enumeration(Collections.singletonList(JSON))
                    : super.getHeaders(name);
        }
    }
}
