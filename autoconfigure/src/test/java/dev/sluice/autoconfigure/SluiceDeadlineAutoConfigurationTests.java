package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.deadline.DeadlineClientHttpRequestFactory;
import dev.sluice.deadline.DeadlineClientInterceptor;
import dev.sluice.deadline.DeadlineExchangeFilterFunction;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.deadline.DeadlineWatchdog;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceDeadlineAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceDeadlineAutoConfiguration.class));

	@Test
	void everyRequestGetsADeadlineByDefaultAndItCanBeSwitchedOff() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(DeadlineFilter.class));
		this.runner.withPropertyValues("sluice.deadline.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DeadlineFilter.class));
	}

	@Test
	void restTemplatesFromBootsBuilderAreBoundedByTheDeadlineAlsoOutsideAWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(SluiceDeadlineAutoConfiguration.class, HttpClientAutoConfiguration.class,
							ImperativeHttpClientAutoConfiguration.class, RestTemplateAutoConfiguration.class))
			.withPropertyValues("spring.http.clients.imperative.factory=jdk")
			.run((context) -> {
				assertThat(context).hasSingleBean(DeadlineWatchdog.class).doesNotHaveBean(DeadlineFilter.class);
				assertThat(context.getBean(RestTemplateBuilder.class).build().getRequestFactory())
					.isInstanceOfSatisfying(DeadlineClientHttpRequestFactory.class,
							(factory) -> assertThat(factory.getDelegate())
								.isInstanceOf(JdkClientHttpRequestFactory.class));
			});
	}

	@Test
	void webClientBuildersGetTheDeadlineFilterWhenWebClientIsOnTheClasspath() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(SluiceDeadlineAutoConfiguration.class, WebClientAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(DeadlineExchangeFilterFunction.class);
				DeadlineExchangeFilterFunction filter = context.getBean(DeadlineExchangeFilterFunction.class);
				List<ExchangeFilterFunction> filters = new ArrayList<>();
				context.getBean(WebClient.Builder.class).filters(filters::addAll);
				assertThat(filters).containsExactly(filter);
			});
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(DeadlineExchangeFilterFunction.class));
	}

	@Test
	void springGrpcClientsGetTheDeadlineInterceptorAsAGlobalClientInterceptor() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(DeadlineClientInterceptor.class);
			assertThat(context.getBeanNamesForAnnotation(GlobalClientInterceptor.class))
				.containsExactly("sluiceDeadlineClientInterceptor");
		});
		this.runner.withClassLoader(new FilteredClassLoader(GlobalClientInterceptor.class))
			.run((context) -> assertThat(context).doesNotHaveBean(DeadlineClientInterceptor.class));
	}

	@Test
	void anInboundHeaderEntryWithAnUnknownFormatFailsNamingTheProperty() {
		assertFailure("sluice.deadline.inbound-headers[1]",
				"sluice.deadline.inbound-headers=X-Request-Timeout-Ms,X-Budget:seconds");
	}

	@Test
	void aStatusOtherThan504Or503FailsNamingTheProperty() {
		assertFailure("sluice.deadline.status", "sluice.deadline.status=500");
	}

	@Test
	void aZeroDefaultTimeoutFailsNamingTheProperty() {
		assertFailure("sluice.deadline.default-timeout", "sluice.deadline.default-timeout=0s");
	}

	@Test
	void aRouteWithoutTimeoutOrWithAMalformedPathFailsNamingTheProperty() {
		assertFailure("sluice.deadline.routes[0].timeout", "sluice.deadline.routes[0].paths=/a");
		assertFailure("sluice.deadline.routes[0].paths[0]", "sluice.deadline.routes[0].paths=/a/{oops",
				"sluice.deadline.routes[0].timeout=1s");
		assertFailure("sluice.deadline.routes[0].paths", "sluice.deadline.routes[0].timeout=1s");
	}

	private void assertFailure(String property, String... values) {
		this.runner.withPropertyValues(values).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure().rootCause().isInstanceOf(InvalidSluiceConfigurationException.class);
			assertThat(((InvalidSluiceConfigurationException) rootCause(context.getStartupFailure())).getProperty())
				.isEqualTo(property);
		});
	}

	private static Throwable rootCause(Throwable failure) {
		Throwable cause = failure;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

}
