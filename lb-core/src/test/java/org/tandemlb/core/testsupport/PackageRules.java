package org.tandemlb.core.testsupport;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The package rules every module's {@code ArchitectureTest} checks with ArchUnit: no cycles
 * between the packages of a module, its root package included (a cycle through the root is as
 * tangled as any other).
 */
public final class PackageRules {
    private PackageRules() {}

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
