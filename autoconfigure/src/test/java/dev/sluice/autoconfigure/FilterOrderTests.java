package dev.sluice.autoconfigure;

import java.util.Map;

import dev.sluice.web.FilterOrders;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every filter registration takes its order from {@link FilterOrders}, and the orders
 * give the documented request path.
 */
class FilterOrderTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class, SluiceShutdownAutoConfiguration.class,
				SluiceRateLimitAutoConfiguration.class, SluiceConcurrencyLimitAutoConfiguration.class,
				SluiceDeadlineAutoConfiguration.class))
		.withPropertyValues("sluice.concurrency-limit.max-in-flight=10");

	@Test
	void theFiltersRunInTheOrderOfTheRequestPath() {
		this.runner.run((context) -> {
			Map<String, FilterRegistrationBean<?>> registrations = Map.of("shutdown",
					context.getBean("sluiceInFlightRequestsRegistration", FilterRegistrationBean.class), "rate-limit",
					context.getBean("sluiceRateLimitFilterRegistration", FilterRegistrationBean.class),
					"concurrency-limit",
					context.getBean("sluiceConcurrencyLimitFilterRegistration", FilterRegistrationBean.class),
					"deadline", context.getBean("sluiceDeadlineFilterRegistration", FilterRegistrationBean.class));
			assertThat(registrations.get("shutdown").getOrder()).isEqualTo(FilterOrders.SHUTDOWN_TRACKING);
			assertThat(registrations.get("rate-limit").getOrder()).isEqualTo(FilterOrders.RATE_LIMIT);
			assertThat(registrations.get("concurrency-limit").getOrder()).isEqualTo(FilterOrders.CONCURRENCY_LIMIT);
			assertThat(registrations.get("deadline").getOrder()).isEqualTo(FilterOrders.DEADLINE);
		});
		assertThat(FilterOrders.SHUTDOWN_TRACKING).isLessThan(FilterOrders.RATE_LIMIT);
		assertThat(FilterOrders.RATE_LIMIT).isLessThan(FilterOrders.CONCURRENCY_LIMIT);
		assertThat(FilterOrders.CONCURRENCY_LIMIT).isLessThan(FilterOrders.DEADLINE);
		assertThat(FilterOrders.DEADLINE).isLessThan(-100); // Spring Security's filter
															// chain
	}

	@Test
	void theRateLimitPropertyDefaultsToTheRateLimitOrder() {
		assertThat(new SluiceRateLimitProperties().getFilterOrder()).isEqualTo(FilterOrders.RATE_LIMIT);
	}

}
