package dev.anyrouter;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/design.md, checked on the compiled classes of the {@code api} and {@code impl}
 * modules: no cycles between packages, an {@code api} module that stands alone, a relay that knows neither a servlet
 * nor the engine that builds it, and translations that know neither the upstream client, nor billing, nor JAX-RS.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.anyrouter");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.anyrouter.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theApiModuleImportsNothingOfTheGateway() {
        classes().that().resideInAPackage("dev.anyrouter.api..").should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.anyrouter.api..", "java..", "com.fasterxml.jackson..")
                .check(classes);
    }

    @Test
    void theRelayKnowsNoServlet() {
        noClasses().that().resideInAPackage("dev.anyrouter.relay..").should().dependOnClassesThat()
                .resideInAnyPackage("jakarta.servlet..").check(classes);
    }

    /** A new wire API is a {@code WireApi} on the class path: the request path reaches translations only through it. */
    @Test
    void theRequestPathKnowsNoTranslationButThroughTheWireApis() {
        noClasses().that().resideInAnyPackage("dev.anyrouter.rest..", "dev.anyrouter.relay..",
                "dev.anyrouter.upstream..").should().dependOnClassesThat().resideInAPackage("dev.anyrouter.translate..")
                .check(classes);
    }

    @Test
    void translationSubpackagesHaveNoCycles() {
        slices().matching("dev.anyrouter.translate.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theRelayKnowsNoEngine() {
        noClasses().that().resideInAPackage("dev.anyrouter.relay..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.anyrouter.engine..").check(classes);
    }

    @Test
    void translationsKnowNoUpstreamClientBillingOrJaxRs() {
        noClasses().that().resideInAPackage("dev.anyrouter.translate..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.anyrouter.upstream..", "dev.anyrouter.accounting..", "jakarta.ws.rs..")
                .check(classes);
    }
}
