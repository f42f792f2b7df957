package org.tandemlb.core.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The package rules the modules' {@code ArchitectureTest}s check with ArchUnit: no cycles between
 * the packages of a module, its root package included (a cycle through the root is as tangled as
 * any other), and lb-core used through its API only.
 */
public final class PackageRules {
    /** lb-core's internal packages (its root package-info says which are the API). */
    private static final String[] LB_CORE_INSIDE = {
        "org.tandemlb.core.http..",
        "org.tandemlb.core.tcp..",
        "org.tandemlb.core.proxy..",
        "org.tandemlb.core.health..",
        "org.tandemlb.core.backend.balance..",
        "org.tandemlb.core.proxyprotocol..",
        "org.tandemlb.core.metrics.."
    };

    private PackageRules() {}

    /** Nothing in the analysed classes uses lb-core's internal packages. */
    public static ArchRule lbCoreThroughItsApiOnly() {
        return noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(LB_CORE_INSIDE)
                .because("lb-core's internal packages may change in any release; its API is documented");
    }

    /** Each package under {@code base}, {@code base} itself included, must be free of cycles. */
    public static ArchRule noCyclesBetweenPackagesOf(String base) {
        return slices().assignedFrom(new EachPackage(base)).should().beFreeOfCycles();
    }

    /** One slice per package under {@code base}: {@code (root)}, {@code http}, {@code backend.balance}. */
    private record EachPackage(String base) implements SliceAssignment {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            if (name.equals(base)) {
                return SliceIdentifier.of("(root)");
            }
            if (name.startsWith(base + ".")) {
                return SliceIdentifier.of(name.substring(base.length() + 1));
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of " + base;
        }
    }
}
