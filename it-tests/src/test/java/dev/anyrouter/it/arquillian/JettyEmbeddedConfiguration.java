package dev.anyrouter.it.arquillian;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.arquillian.container.spi.ConfigurationException;
import org.jboss.arquillian.container.spi.client.container.ContainerConfiguration;

/** Settings of {@link JettyEmbeddedContainer}, from {@code arquillian.xml}. */
public final class JettyEmbeddedConfiguration implements ContainerConfiguration {

    private String contextParameters = "";

    /** {@code NAME=value;NAME=value}: servlet context parameters given to every deployed web application. */
    public void setContextParameters(String contextParameters) {
        this.contextParameters = contextParameters;
    }

    Map<String, String> contextParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : contextParameters.split(";")) {
            if (!pair.isBlank()) {
                int equals = pair.indexOf('=');
                parameters.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
            }
        }
        return parameters;
    }

    @Override
    public void validate() throws ConfigurationException {
        for (String pair : contextParameters.split(";")) {
            if (!pair.isBlank() && pair.indexOf('=') < 1) {
                throw new ConfigurationException("contextParameters: '" + pair + "' (expected: NAME=value)");
            }
        }
    }
}
