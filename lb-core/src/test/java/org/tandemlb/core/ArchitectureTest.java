package org.tandemlb.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.tandemlb.core.testsupport.PackageRules;

/**
 * lb-core is the library: its packages form no cycles, and it never depends on the daemon's or
 * the cluster's modules, nor on the libraries only they use (YAML, picocli, JGroups).
 */
@AnalyzeClasses(packages = "org.tandemlb.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noPackageCycles = PackageRules.noCyclesBetweenPackagesOf("org.tandemlb.core");

    @ArchTest
    static final ArchRule standsAlone = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.tandemlb.admin..",
                    "org.tandemlb.cluster..",
                    "com.fasterxml.jackson..",
                    "org.yaml..",
                    "picocli..",
                    "org.jgroups..")
            .because("lb-core is usable alone as a library: the YAML file, the command line and the cluster"
                    + " build on it, never the other way round");
}
