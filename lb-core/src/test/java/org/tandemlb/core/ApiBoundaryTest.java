package org.tandemlb.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The API an embedder sees (the packages that package-info of {@code org.tandemlb.core} names)
 * shows no type of the engine's inside: no public or protected constructor, method or field of a
 * public API class takes, returns or holds a type from {@code http}, {@code tcp}, {@code proxy},
 * {@code health}, {@code backend.balance}, {@code proxyprotocol} or {@code metrics}, so that those can change freely.
 */
class ApiBoundaryTest {
    static final Set<String> API = Set.of(
            "org.tandemlb.core",
            "org.tandemlb.core.config",
            "org.tandemlb.core.frontend",
            "org.tandemlb.core.backend",
            "org.tandemlb.core.accesslog",
            "org.tandemlb.core.history",
            "org.tandemlb.core.tls",
            "org.tandemlb.core.transport");

    @Test
    void noInternalTypeInAPublicSignatureOfTheApi() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.tandemlb.core");
        List<String> leaks = new ArrayList<>();
        for (JavaClass c : classes) {
            if (!API.contains(c.getPackageName()) || !visible(c.getModifiers())) {
                continue;
            }
            for (JavaMember m : c.getMembers()) {
                if (!visible(m.getModifiers())) {
                    continue;
                }
                for (JavaClass t : signatureTypes(m)) {
                    if (t.getPackageName().startsWith("org.tandemlb.core") && !API.contains(t.getPackageName())) {
                        leaks.add(m.getFullName() + " uses " + t.getName());
                    }
                }
            }
        }
        assertEquals(List.of(), leaks, "internal types in the public API");
    }

    private static boolean visible(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    /** The raw types of a member's signature: parameters, return type, thrown types, field type. */
    private static Set<JavaClass> signatureTypes(JavaMember m) {
        Set<JavaClass> types = new LinkedHashSet<>();
        if (m instanceof JavaCodeUnit unit) {
            types.addAll(unit.getRawParameterTypes());
            types.add(unit.getRawReturnType());
            unit.getThrowsClause().getTypes().forEach(types::add);
        } else if (m instanceof JavaField field) {
            types.add(field.getRawType());
        }
        return types;
    }
}
