package org.tandemlb.cluster;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.tandemlb.core.testsupport.PackageRules;

/** lb-cluster builds on lb-core and never on the daemon (lb-admin) or its libraries. */
@AnalyzeClasses(packages = "org.tandemlb.cluster", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule belowTheDaemon = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.tandemlb.admin..", "com.fasterxml.jackson..", "org.yaml..", "picocli..")
            .because("the cluster is embeddable with lb-core; the daemon configures it, not the other way round");

    @ArchTest
    static final ArchRule lbCoreThroughItsApi = PackageRules.lbCoreThroughItsApiOnly();
}
