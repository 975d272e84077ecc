package dev.sluice.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package layering of Sluice's main code, read from the compiled classes. From the
 * bottom: {@code core} (threads, the task registry) and {@code web} (what every
 * capability shares on the servlet side); the capabilities; {@code shutdown} and
 * {@code actuate}, which collect from the capabilities; and {@code autoconfigure}, which
 * wires everything. A class may use its own layer and the layers below it, never a layer
 * above, and no two packages may depend on each other in a cycle.
 */
class PackageLayeringTests {

	private static final String[] CAPABILITIES = { "dev.sluice.deadline..", "dev.sluice.pool..", "dev.sluice.group..",
			"dev.sluice.ratelimit..", "dev.sluice.concurrency..", "dev.sluice.safety.." };

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
		.importPackages("dev.sluice");

	@Test
	void noPackagesDependOnEachOtherInACycle() {
		slices().matching("dev.sluice.(*)..").should().beFreeOfCycles().check(classes);
	}

	@Test
	void eachLayerUsesOnlyItsOwnLayerAndTheLayersBelow() {
		Architectures.layeredArchitecture()
			.consideringOnlyDependenciesInLayers()
			.layer("core")
			.definedBy("dev.sluice.core..")
			.layer("web")
			.definedBy("dev.sluice.web..")
			.layer("capabilities")
			.definedBy(CAPABILITIES)
			.layer("collectors")
			.definedBy("dev.sluice.shutdown..", "dev.sluice.actuate..")
			.layer("autoconfigure")
			.definedBy("dev.sluice.autoconfigure..")
			.whereLayer("autoconfigure")
			.mayNotBeAccessedByAnyLayer()
			.whereLayer("collectors")
			.mayOnlyBeAccessedByLayers("autoconfigure")
			.whereLayer("capabilities")
			.mayOnlyBeAccessedByLayers("collectors", "autoconfigure")
			.whereLayer("web")
			.mayOnlyBeAccessedByLayers("capabilities", "collectors", "autoconfigure")
			.check(classes);
	}

	@Test
	void coreDependsOnNoOtherSluicePackage() {
		noClasses().that()
			.resideInAPackage("dev.sluice.core..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.sluice.web..", "dev.sluice.deadline..", "dev.sluice.pool..", "dev.sluice.group..",
					"dev.sluice.ratelimit..", "dev.sluice.concurrency..", "dev.sluice.safety..",
					"dev.sluice.shutdown..", "dev.sluice.actuate..", "dev.sluice.autoconfigure..")
			.check(classes);
	}

	@Test
	void webDependsOnNoCapability() {
		noClasses().that()
			.resideInAPackage("dev.sluice.web..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage(CAPABILITIES)
			.check(classes);
	}

}
