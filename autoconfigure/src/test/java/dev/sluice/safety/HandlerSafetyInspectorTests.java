package dev.sluice.safety;

import java.util.List;

import dev.sluice.testapps.safety.cases.Cases;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inspector on one trait at a time: what it reports, and the look-alikes it must not
 * report.
 */
class HandlerSafetyInspectorTests {

	private final HandlerSafetyInspector inspector = new HandlerSafetyInspector(List.of(Cases.class.getPackageName()));

	@Test
	void aStoreIntoAnArrayFieldIsReportedButReadingAStaticConstantArrayIsNot() {
		assertThat(fields(new Cases.StoresIntoAnArray())).containsExactly("perSecond");
		assertThat(fields(new Cases.ReadsConstants())).isEmpty();
	}

	@Test
	void aMapFilledInTheConstructorAndOnlyReadAfterwardsIsNotReported() {
		assertThat(fields(new Cases.FillsAMapInItsConstructorOnly(List.of("a", "bb")))).isEmpty();
	}

	@Test
	void aSharedSimpleDateFormatIsReportedAndADateTimeFormatterIsNot() {
		List<HandlerSafetyFinding> findings = this.inspector.inspect("formats", new Cases.FormatsWithASharedFormat());
		assertThat(findings).singleElement().satisfies((finding) -> {
			assertThat(finding.fieldName()).isEqualTo("format");
			assertThat(finding.type()).isEqualTo("java.text.SimpleDateFormat");
			assertThat(finding.fix()).contains("DateTimeFormatter");
		});
	}

	@Test
	void aBuilderAppendedToByRequestsIsReported() {
		assertThat(fields(new Cases.AppendsToABuilder())).containsExactly("log");
	}

	@Test
	void aVolatileFieldHoldingAHashMapThatRequestsChangeIsReported() {
		assertThat(fields(new Cases.VolatileButSharedMap())).containsExactly("cache");
	}

	@Test
	void concurrentStateAndStaticFieldsSetOnlyInTheStaticInitializerAreNotReported() {
		assertThat(fields(new Cases.ConcurrentState())).isEmpty();
	}

	@Test
	void aStaticCounterWrittenByRequestsIsReported() {
		assertThat(this.inspector.inspect("static", new Cases.WritesAStaticCounter())).singleElement()
			.satisfies((finding) -> assertThat(finding.problem()).startsWith("static field")
				.contains("written by handle()"));
	}

	@Test
	void aClassProxyIsLookedThroughToTheUserClassAndItsTarget() {
		ProxyFactory factory = new ProxyFactory(new Cases.Counter());
		factory.setProxyTargetClass(true);
		Object proxy = factory.getProxy();
		assertThat(proxy.getClass().getName()).contains("$$");
		assertThat(this.inspector.inspect("counter", proxy)).singleElement().satisfies((finding) -> {
			assertThat(finding.className()).isEqualTo(Cases.Counter.class.getName());
			assertThat(finding.fieldName()).isEqualTo("count");
		});
	}

	@Test
	void anInterfaceProxyIsLookedThroughToItsTarget() {
		Object proxy = new ProxyFactory(new Cases.CountingGreeting()).getProxy();
		assertThat(this.inspector.inspect("greeting", proxy)).extracting(HandlerSafetyFinding::fieldName)
			.containsExactly("greeted");
	}

	@Test
	void classesOutsideThePackagesAreNotInspected() {
		HandlerSafetyInspector elsewhere = new HandlerSafetyInspector(List.of("com.example"));
		assertThat(elsewhere.covers(new Cases.Counter())).isFalse();
		assertThat(elsewhere.inspect("counter", new Cases.Counter())).isEmpty();
	}

	private List<String> fields(Object bean) {
		return this.inspector.inspect("bean", bean).stream().map(HandlerSafetyFinding::fieldName).toList();
	}

}
