package dev.anyrouter.it.arquillian;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.jboss.arquillian.container.spi.client.container.DeployableContainer;
import org.jboss.arquillian.container.spi.client.container.DeploymentException;
import org.jboss.arquillian.container.spi.client.container.LifecycleException;
import org.jboss.arquillian.container.spi.client.protocol.ProtocolDescription;
import org.jboss.arquillian.container.spi.client.protocol.metadata.HTTPContext;
import org.jboss.arquillian.container.spi.client.protocol.metadata.ProtocolMetaData;
import org.jboss.arquillian.container.spi.client.protocol.metadata.Servlet;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;

/**
 * An Arquillian container that deploys WARs into an embedded Jetty 12.1 (ee10) on loopback port 0. The
 * published Jetty 12 adapter only runs on Jetty 12.0 (docs/stack.md). Client-mode tests only.
 */
public final class JettyEmbeddedContainer implements DeployableContainer<JettyEmbeddedConfiguration> {

    private JettyEmbeddedConfiguration configuration;
    private Server server;
    private ServerConnector connector;
    private ContextHandlerCollection contexts;
    private final Map<String, WebAppContext> deployed = new HashMap<>();
    private Path workDir;

    @Override
    public Class<JettyEmbeddedConfiguration> getConfigurationClass() {
        return JettyEmbeddedConfiguration.class;
    }

    @Override
    public void setup(JettyEmbeddedConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public void start() throws LifecycleException {
        try {
            workDir = Files.createTempDirectory("arquillian-jetty");
            server = new Server();
            connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            contexts = new ContextHandlerCollection();
            server.setHandler(contexts);
            server.start();
        } catch (Exception e) {
            throw new LifecycleException("embedded Jetty did not start", e);
        }
    }

    @Override
    public void stop() throws LifecycleException {
        try {
            server.stop();
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        } catch (Exception e) {
            throw new LifecycleException("embedded Jetty did not stop", e);
        }
    }

    @Override
    public ProtocolDescription getDefaultProtocol() {
        return new ProtocolDescription("Local");
    }

    @Override
    public ProtocolMetaData deploy(Archive<?> archive) throws DeploymentException {
        String name = archive.getName().replaceFirst("\\.war$", "");
        File war = workDir.resolve(archive.getName()).toFile();
        archive.as(ZipExporter.class).exportTo(war, true);
        WebAppContext webApp = new WebAppContext();
        webApp.setContextPath("/" + name);
        webApp.setWar(war.getAbsolutePath());
        webApp.setTempDirectory(workDir.resolve(name + "-work").toFile());
        configuration.contextParameters().forEach(webApp::setInitParameter);
        try {
            contexts.addHandler(webApp);
            webApp.start();
        } catch (Exception e) {
            throw new DeploymentException("deploying " + archive.getName() + " failed", e);
        }
        if (webApp.getUnavailableException() != null) {
            throw new DeploymentException("deploying " + archive.getName() + " failed",
                    webApp.getUnavailableException());
        }
        deployed.put(archive.getName(), webApp);
        HTTPContext http = new HTTPContext("127.0.0.1", connector.getLocalPort());
        http.add(new Servlet("anyrouter", webApp.getContextPath()));
        return new ProtocolMetaData().addContext(http);
    }

    @Override
    public void undeploy(Archive<?> archive) throws DeploymentException {
        WebAppContext webApp = deployed.remove(archive.getName());
        if (webApp == null) {
            return;
        }
        try {
            webApp.stop();
            contexts.removeHandler(webApp);
        } catch (Exception e) {
            throw new DeploymentException("undeploying " + archive.getName() + " failed", e);
        }
    }
}
