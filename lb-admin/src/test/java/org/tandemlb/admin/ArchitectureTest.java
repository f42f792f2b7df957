package org.tandemlb.admin;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.tandemlb.core.testsupport.PackageRules;

/** lb-admin's packages form no cycles: the commands and the daemon on top, the pieces below. */
@AnalyzeClasses(packages = "org.tandemlb.admin", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noPackageCycles = PackageRules.noCyclesBetweenPackagesOf("org.tandemlb.admin");

    @ArchTest
    static final ArchRule lbCoreThroughItsApi = PackageRules.lbCoreThroughItsApiOnly();
}
