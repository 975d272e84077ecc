package dev.sluice.safety;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.testapps.safety.clean.CleanHandlersTestApp;
import dev.sluice.testapps.safety.unsafe.HandlerSafetyTestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The handler-safety check over whole applications started for real: a counter and a
 * plain map cache on singleton controllers are reported, in each mode as that mode says,
 * and safe beans are not.
 */
@ExtendWith(OutputCaptureExtension.class)
class HandlerSafetyStartupTests {

	private static final String WARNING = "Shared mutable state without protection in ";

	@Test
	void warnLogsExactlyTheTwoUnsafeFieldsAndTheEndpointListsThem(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = start(HandlerSafetyTestApp.class, "--server.port=0",
				"--sluice.handler-safety.mode=warn", "--management.endpoints.web.exposure.include=sluice")) {
			List<String> warnings = warnings(output);
			assertThat(warnings).hasSize(2);
			assertThat(warnings).anySatisfy((line) -> assertThat(line).contains("WARN")
				.contains("bean 'handlerSafetyTestApp.CountingController'")
				.contains("(" + HandlerSafetyTestApp.class.getName() + "$CountingController)")
				.contains("field 'count' (int)")
				.contains("written by count()")
				.contains("fix: use an AtomicInteger / AtomicLong"));
			assertThat(warnings)
				.anySatisfy((line) -> assertThat(line).contains("bean 'handlerSafetyTestApp.CachingController'")
					.contains("field 'cache' (java.util.HashMap)")
					.contains("changed in place by cached()")
					.contains("fix: use a ConcurrentHashMap"));

			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpResponse<String> sluice = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/sluice")).build(),
						HttpResponse.BodyHandlers.ofString());
			assertThat(sluice.statusCode()).isEqualTo(200);
			assertThat(sluice.body())
				.contains("\"handlerSafety\":{\"mode\":\"warn\",\"packages\":[\""
						+ HandlerSafetyTestApp.class.getPackageName() + "\"]")
				.contains("\"field\":\"count\"")
				.contains("\"field\":\"cache\"")
				.doesNotContain("\"field\":\"visits\"")
				.doesNotContain("\"field\":\"seen\"");
			assertThat(context.getBean(HandlerSafetyCheck.class).getFindings())
				.extracting(HandlerSafetyFinding::fieldName)
				.containsExactlyInAnyOrder("count", "cache");
		}
	}

	@Test
	void failFailsStartUpNamingBothFields(CapturedOutput output) {
		assertThatExceptionOfType(UnsafeHandlerStateException.class)
			.isThrownBy(() -> start(HandlerSafetyTestApp.class, "--spring.main.web-application-type=none",
					"--sluice.handler-safety.mode=fail"))
			.satisfies((ex) -> assertThat(ex.getFindings()).extracting(HandlerSafetyFinding::fieldName)
				.containsExactlyInAnyOrder("count", "cache"));
		assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
			.contains("2 finding(s)")
			.contains("$CountingController) field 'count' (int)")
			.contains("$CachingController) field 'cache' (java.util.HashMap)")
			.contains("Set sluice.handler-safety.mode=warn to start anyway");
		assertThat(warnings(output)).isEmpty();
	}

	@Test
	void offSaysNothing(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start(HandlerSafetyTestApp.class,
				"--spring.main.web-application-type=none", "--sluice.handler-safety.mode=off")) {
			assertThat(context.getBean(HandlerSafetyCheck.class).getFindings()).isEmpty();
			assertThat(output.getOut() + output.getErr()).doesNotContain("mutable state");
		}
	}

	@Test
	void packagesPropertyChoosesWhatIsInspected(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start(HandlerSafetyTestApp.class,
				"--spring.main.web-application-type=none", "--sluice.handler-safety.mode=fail",
				"--sluice.handler-safety.packages=dev.sluice.testapps.safety.elsewhere")) {
			assertThat(context.getBean(HandlerSafetyCheck.class).getPackages())
				.containsExactly("dev.sluice.testapps.safety.elsewhere");
			assertThat(warnings(output)).isEmpty();
		}
	}

	@Test
	void springTypesUsersSubclassAwareCallbacksProxiesAndNonSingletonsAreNotReported(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start(CleanHandlersTestApp.class, "--server.port=0",
				"--sluice.handler-safety.mode=fail")) {
			HandlerSafetyCheck check = context.getBean(HandlerSafetyCheck.class);
			assertThat(check.getPackages()).containsExactly(CleanHandlersTestApp.class.getPackageName());
			assertThat(check.inspect()).isEmpty();
			assertThat(context.getBean("cleanHandlersTestApp.ProxiedController").getClass().getName())
				.as("the controller is a CGLIB proxy whose own fields are unset")
				.contains("$$");
			assertThat(warnings(output)).isEmpty();
		}
	}

	private static ConfigurableApplicationContext start(Class<?> app, String... args) {
		return new SpringApplicationBuilder(app).run(args);
	}

	private static List<String> warnings(CapturedOutput output) {
		return Stream.of(output.getOut().split("\\R")).filter((line) -> line.contains(WARNING)).toList();
	}

}
