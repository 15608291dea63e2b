package dev.anyrouter.it;

import java.io.File;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SDK contract against the built {@code anyrouter.war}, deployed by Arquillian into embedded Jetty 12. */
@ExtendWith(ArquillianExtension.class)
class WarOnJettyIT extends OpenAiSdkContract {

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive war() {
        return ShrinkWrap.create(ZipImporter.class, "anyrouter.war")
                .importFrom(new File("../webapp/target/anyrouter.war")).as(WebArchive.class);
    }

    @Override
    String baseUrl() {
        return base + "api/v1";
    }
}
